"""manage.py import_followers and export_followers: WordPress.com/Jetpack CSV and plain
lists in, every line imported, skipped or rejected with its reason, all or nothing."""

import io
import time

import pytest
from django.core.management import CommandError, call_command

from followers.models import Follower
from mailer.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)

JETPACK = (
    '"email_address","subscribed","status"\r\n'
    '"ada@example.com","2019-03-04 10:11:12","confirmed"\r\n'
    '"Bob@Example.com","2020-05-06","confirmed"\r\n'
    '"ada@example.com","2021-01-01","confirmed"\r\n'
    '"gone@example.com","2020-01-01","unsubscribed"\r\n'
    '"not an address","2020-01-01","confirmed"\r\n'
    '"eve@example.com\r\nBcc: victim@example.com","2020-01-01","confirmed"\r\n'
    '"cy@example.com, dee@example.com","2020-01-01","confirmed"\r\n'
    '"' + "x" * 10_000 + '@example.com","2020-01-01","confirmed"\r\n'
    '"wait@example.com","2020-01-01","pending"\r\n'
)


def run(path, *args):
    out = io.StringIO()
    call_command("import_followers", str(path), *args, stdout=out)
    return out.getvalue()


def test_a_jetpack_export_with_confirmed(tmp_path, sent_mail):
    path = tmp_path / "subscribers.csv"
    path.write_bytes(b"\xef\xbb\xbf" + JETPACK.encode())  # with a BOM, as Excel saves it
    report = run(path, "--confirmed")
    assert "Imported 3 follower(s): 3 new (2 confirmed, 1 sent a confirmation mail)" in report
    for line in (
        "line 4: the same address as line 2",
        "line 5: “unsubscribed” in the export: not followed again",
        "line 6: This is not a valid email address.",
        "line 7: An address can't contain a line break.",
        "line 9: Give one address only.",
        "line 10: An address is at most 254 characters long; this one has 10,012.",
    ):
        assert line in report, report
    assert "Skipped 2:" in report and "Rejected 4:" in report
    assert "ada@example.com" not in report  # line numbers, never addresses
    states = dict(Follower.objects.values_list("email", "state"))
    assert states == {
        "ada@example.com": "confirmed",
        "bob@example.com": "confirmed",
        "wait@example.com": "pending",
    }
    ada = Follower.objects.get(email="ada@example.com")
    assert ada.confirmed_at.year == 2019 and ada.source == "import"
    assert [m.to for m in sent_mail()] == [["wait@example.com"]]  # only the unconfirmed one


def test_without_confirmed_each_new_follower_gets_one_confirmation_mail(tmp_path, sent_mail):
    path = tmp_path / "list.txt"
    path.write_text("ada@example.com\nbob@example.com\n\nada@example.com\ncy@x.org dee@x.org\n")
    report = run(path)
    assert "2 new (0 confirmed, 2 sent a confirmation mail)" in report
    assert "line 4: the same address as line 1" in report
    assert "line 5: Give one address only." in report
    assert sorted(m.to[0] for m in sent_mail()) == ["ada@example.com", "bob@example.com"]
    assert not Follower.objects.confirmed().exists()
    # A second run: nobody new, and no second mail.
    report = run(path, "--confirmed")
    assert (
        "Imported 2 follower(s): 0 new" in report
        and "2 already waiting here now confirmed" in report
    )
    assert len(sent_mail()) == 2


def test_a_file_in_another_encoding_is_refused_and_nothing_is_imported(tmp_path, sent_mail):
    path = tmp_path / "latin1.csv"
    path.write_bytes("email\nada@example.com\nrené@exämple.com\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"not UTF-8 text \(byte 0xe9 on line 3\)"):
        run(path)
    assert not Follower.objects.exists() and sent_mail() == []
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"email\nada@example.com\nb\x00b@example.com\n")
    assert "line 3: This is not a valid email address." in run(nul)
    assert list(Follower.objects.values_list("email", flat=True)) == ["ada@example.com"]


def test_100000_rows_import_in_one_transaction(tmp_path, run_worker):
    path = tmp_path / "big.csv"
    lines = ["email,date"] + [f"reader{n}@example.com,2020-01-01" for n in range(100_000)]
    lines[5000] = "reader1@example.com,2020-01-01"  # a duplicate
    path.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    report = run(path, "--confirmed")
    print(f"100,000-row import: {time.perf_counter() - started:.1f} s")
    assert "99,999 new (99,999 confirmed, 0 sent" in report
    assert "line 5001: the same address as line 3" in report
    assert Follower.objects.confirmed().count() == 99_999 and not Delivery.objects.exists()


def test_export_writes_what_import_reads_back(tmp_path):
    Follower.objects.create(email="ada@example.com", state="confirmed")
    Follower.objects.create(email="gone@example.com", state="unsubscribed")
    Follower.objects.create(email="wait@example.com", state="pending")
    out = io.StringIO()
    call_command("export_followers", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "email,status,subscribed,confirmed"
    assert "ada@example.com,confirmed," in text and "gone@example.com,unsubscribed," in text
    only = io.StringIO()
    call_command("export_followers", "--state", "confirmed", stdout=only)
    assert len(only.getvalue().splitlines()) == 2
    path = tmp_path / "export.csv"
    path.write_text(text)
    Follower.objects.all().delete()
    report = run(path, "--confirmed", "--dry-run")
    assert "Would import 2 follower(s)" in report and "line 3: “unsubscribed”" in report
    assert not Follower.objects.exists()
