"""The editor's side of following: followers and their states, each digest's mail counts,
the sending pace, and a test mail to oneself."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blog.models import Digest
from followers.models import Follower, Mailing, SendingSettings
from mailer.models import Delivery
from tests import factories
from tests.follow_helpers import confirmed_followers, html_part

pytestmark = pytest.mark.django_db(transaction=True)


def publish(title="Admin digest"):
    digest = Digest.objects.create(title=title, slug="admin-digest", status="published")
    factories.make_item(digest, title="A video")
    return digest


def test_followers_list_shows_each_state(client, editor):
    for state in ("pending", "confirmed", "unsubscribed", "bouncing"):
        Follower.objects.create(email=f"{state[0]}@example.com", state=state)
    client.force_login(editor)
    page = client.get(reverse("admin:followers_follower_changelist")).content.decode()
    for label in ("Waiting for confirmation", "Confirmed", "Unsubscribed", "Bouncing"):
        assert label in page
    url = reverse("admin:followers_follower_changelist")
    page = client.get(url, {"state__exact": "bouncing"}).content.decode()
    assert "b@example.com" in page and "c@example.com" not in page


def test_per_digest_counts_of_queued_sent_and_failed_mails(client, editor, run_worker):
    confirmed_followers("a@example.com", "b@example.com", "c@example.com")
    digest = publish()
    run_worker()
    Delivery.objects.filter(to="c@example.com").update(status="failed")
    client.force_login(editor)
    page = client.get(reverse("admin:followers_mailing_changelist")).content.decode()
    row = page[page.index("Admin digest") :]
    row = row[: row.index("</tr>")]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[-3:] == ["3", "2", "1"], row
    mailing = Mailing.objects.get(digest=digest)
    assert mailing.state == "queued" and mailing.recipients == 3
    # Once means once: no way to send it again from the admin.
    assert client.get(reverse("admin:followers_mailing_delete", args=[mailing.pk])).status_code in {
        302,
        403,
    }


def test_batches_are_paced_by_the_mails_per_minute_setting(run_worker, mailoutbox):
    SendingSettings.objects.update_or_create(
        pk=1, defaults={"batch_size": 2, "mails_per_minute": 4}
    )
    confirmed_followers(*(f"reader{n}@example.com" for n in range(5)))
    started = timezone.now()
    publish()
    run_worker()  # the digest's task runs and queues three batches
    tasks = DBTaskResult.objects.filter(task_path="mailer.tasks.send_deliveries")
    # First attempts only (a retry has the attempt number); "now" is stored as the max date.
    firsts = [t.task.run_after for t in tasks if len(t.args_kwargs["args"]) == 1]
    batches = sorted((run_after or started) - started for run_after in firsts)
    assert len(batches) == 3
    # 2 mails a batch at 4 a minute: one batch every 30 seconds.
    assert [round(b.total_seconds() / 30) for b in batches] == [0, 1, 2]
    assert len(mailoutbox) == 2  # only the first batch was due


def test_an_editor_sends_themself_a_test_mail(client, editor, sent_mail):
    confirmed_followers("reader@example.com")
    digest = Digest.objects.create(title="Not out yet", slug="not-out-yet")  # a draft
    factories.make_item(digest, title="A video")
    client.force_login(editor)
    data = {"action": "send_test", "_selected_action": [digest.pk]}
    response = client.post(reverse("admin:blog_digest_changelist"), data, follow=True)
    assert "1 test mail queued for editor@example.com." in response.content.decode()
    [mail] = sent_mail()
    assert mail.to == ["editor@example.com"] and mail.subject == "[Test] Not out yet"
    assert "A test mail to you only" in html_part(mail)
    assert Mailing.objects.get(digest=digest).state == "draft"  # followers get nothing yet
