"""The demo digest, modelled on the WordPress post the blog replaces.

The data is plain Python so it can be read and corrected in one place. The
poster image for item 2 is drawn here with Pillow at run time (no binary in the
repository) and saved through the model field, so the usual upload
normalisation runs on it.

Video ids: every id below was found linked to that exact title on several
public pages. Where no id could be confirmed, the item is an honest article
pointing at a real page about that video (``article``), never at a search page
and never at a guessed id; give it a confirmed ``youtube_id`` instead and it
becomes a video.
"""

import io
import math
import random

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .models import Category, Digest, MediaItem, RelatedLink, Tag
from .news import not_news

DIGEST = {
    "title": "Connections between physics and deep learning",
    "slug": "connections-between-physics-and-deep-learning",
    "intro": "These are the latest articles and videos I found most interesting.",
}
CATEGORY = {"name": "Science", "slug": "science"}
TAGS = [
    {"name": "physics", "slug": "physics"},
    {"name": "neuroscience", "slug": "neuroscience"},
    {"name": "astronomy", "slug": "astronomy"},
    {"name": "deep learning", "slug": "deep-learning"},
]

IMAGE_NAME = "neural-vs-galactic-networks.jpg"
IMAGE_SIZE = (1600, 800)
IMAGE_SEED = 20170612
IMAGE_CAPTION = (
    "Neural vs Galactic Networks. Brain cells on the left and "
    "Intergalactic structure of the universe on the right."
)
IMAGE_ALT = (
    "Two panels. Left: glowing nerve cells on a dark background, joined by thin branching "
    "fibres. Right: countless faint dots gathered into filaments and bright knots, like the "
    "large-scale web of galaxies."
)

ITEMS = [
    {
        "title": "Connections between physics and deep learning",
        "source": "Max Tegmark at the Center for Brains, Minds and Machines (CBMM)",
        "youtube_id": "5MdSE-N0bxs",
        "description": (
            "Max Tegmark asks why neural networks of modest size do so well when almost every "
            "possible function would need an astronomically large one. His answer is physics: "
            "the data we care about comes from laws with symmetry, locality and "
            "compositionality, which makes the functions involved unusually simple. He also "
            "shows why depth pays off when data is produced by a hierarchical process, with "
            "cases where a shallow network needs exponentially more neurons to do the same job."
        ),
        "links_heading": "Two papers described in the video:",
        "links": [
            ("Why does deep and cheap learning work so well?", "https://arxiv.org/abs/1608.08225"),
            (
                "The power of deeper networks for expressing natural functions",
                "https://arxiv.org/abs/1705.05502",
            ),
        ],
    },
    {
        "title": "My Neurons, My Self",
        "source": "World Science Festival",
        "youtube_id": "W5kikQ2tjhQ",
        "description": (
            "A World Science Festival panel of neuroscientists, psychologists and philosophers "
            "asks how the electrical and chemical activity of billions of neurons adds up to a "
            "sense of self. They weigh what brain measurements can and cannot yet tell us about "
            "memory, emotion and consciousness. The moderator, journalist Bill Blakemore, opens "
            "by comparing the brain's web of neurons with the web of galaxies, the likeness "
            "pictured here."
        ),
        "image": True,
        "links": [],
    },
    {
        "title": "Why December Has the Longest Days",
        "source": "Minute Physics, written up by ScienceAlert",
        # The video's id could not be confirmed: ScienceAlert's article shows the video.
        "article": "http://www.sciencealert.com/watch-why-december-has-the-longest-days",
        "description": (
            "A solar day, from one noon to the next, is not always 24 hours long. Earth moves "
            "fastest around the Sun near perihelion in early January, and its tilted axis "
            "lengthens the day most near the solstices; in December both effects line up, so "
            "solar days run about half a minute longer than average. Minute Physics explains "
            "how in a few minutes of drawings."
        ),
        "links_heading": "Here's some more info about:",
        "links": [
            ("Equation of time", "https://en.wikipedia.org/wiki/Equation_of_time"),
            ("Solar time", "https://en.wikipedia.org/wiki/Solar_time"),
            ("Perihelion and aphelion", "https://en.wikipedia.org/wiki/Perihelion_and_aphelion"),
        ],
    },
    {
        "title": "To Scale: The Solar System",
        "source": "A film by Wylie Overstreet and Alex Gorosh",
        # Also on Vimeo, but its Vimeo id could not be confirmed; the YouTube upload could.
        "youtube_id": "zR3Igc3Rhfg",
        "description": (
            "Pictures of the solar system enlarge the planets so much that the distances "
            "between them disappear. In this short film a group of friends mark out the orbits "
            "at true scale on a dry lakebed in Nevada's Black Rock Desert, with an Earth the "
            "size of a marble and Neptune's orbit about seven miles across. Filmed at night "
            "from a nearby hill, the lights of the planets show how empty our neighbourhood is."
        ),
        "links": [],
    },
    {
        "title": "Brain and Mental Health",
        "source": "Nucleus Medical Media",
        # The video's id could not be confirmed: the studio's catalogue page for the
        # animation (item ANH15149) has it with its transcript.
        "article": "http://stock-medical-animation.com/sendexhibit.php?ID=80033",
        "description": (
            "A short 3D animation about the brain's part in mental health. It points out areas "
            "such as the amygdala, the prefrontal cortex and the hippocampus, then follows a "
            "signal from one neuron to the next as chemical messengers cross the synaptic gap. "
            "It ends with some of the factors thought to contribute to mental illness."
        ),
        "links": [],
    },
]


def item_kind(spec):
    """A video when its id is confirmed, otherwise an article about the video."""
    return MediaItem.Kind.VIDEO if spec.get("youtube_id") else MediaItem.Kind.ARTICLE


def item_url(spec):
    if spec.get("youtube_id"):
        return f"https://www.youtube.com/watch?v={spec['youtube_id']}"
    return spec["article"]


@not_news()
@transaction.atomic
def create_demo_digest():
    """Create the demo digest, replacing an earlier one with the same slug; it is no news
    for followers. Returns (digest, replaced).
    """
    old = Digest.objects.filter(slug=DIGEST["slug"]).first()
    replaced = old is not None
    if old is not None:
        old_files = [(i.image.storage, i.image.name) for i in old.media_items.all() if i.image]
        old.delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in old_files])

    category, _ = Category.objects.get_or_create(
        slug=CATEGORY["slug"], defaults={"name": CATEGORY["name"]}
    )
    tags = [
        Tag.objects.get_or_create(slug=t["slug"], defaults={"name": t["name"]})[0] for t in TAGS
    ]

    # No author: a demo needs no login, and an "editor" user here would collide with
    # the account a developer (or a test factory) creates under that name.
    digest = Digest.objects.create(
        **DIGEST, status=Digest.Status.PUBLISHED, published_at=timezone.now()
    )
    digest.categories.add(category)
    digest.tags.add(*tags)

    for position, spec in enumerate(ITEMS):
        item = MediaItem(
            digest=digest,
            position=position,
            kind=item_kind(spec),
            title=spec["title"],
            source=spec["source"],
            description=spec["description"],
            url=item_url(spec),
            links_heading=spec.get("links_heading", ""),
        )
        if spec.get("image"):
            item.image = ContentFile(render_networks_image(), name=IMAGE_NAME)
            item.alt_text = IMAGE_ALT
            item.caption = IMAGE_CAPTION
            item.credit = "Illustration drawn for this demo"
        item.full_clean()
        item.save()
        RelatedLink.objects.bulk_create(
            RelatedLink(item=item, position=n, title=title, url=url)
            for n, (title, url) in enumerate(spec["links"])
        )

    digest.refresh_search_text()
    return digest, replaced


# The picture ---------------------------------------------------------------


def render_networks_image(size=IMAGE_SIZE, seed=IMAGE_SEED):
    """JPEG bytes of a two-panel picture: nerve cells left, the cosmic web right."""
    width, height = size
    panel = width // 2
    rng = random.Random(seed)
    left = _neurons((panel, height), rng)
    right = _cosmic_web((width - panel, height), rng)
    picture = Image.new("RGB", size, (0, 0, 0))
    picture.paste(left, (0, 0))
    picture.paste(right, (panel, 0))
    ImageDraw.Draw(picture).rectangle((panel - 3, 0, panel + 2, height), fill=(0, 0, 0))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _background(size, top, bottom):
    """A vertical gradient between two colours."""
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(height - 1, 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize(size)


def _glow(background, light, radius):
    """Add a light layer to a background twice: blurred for a halo, then sharp."""
    halo = light.filter(ImageFilter.GaussianBlur(radius))
    return ImageChops.add(ImageChops.add(background, halo), light)


def _neurons(size, rng):
    width, height = size
    light = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(light)
    somas = []
    while len(somas) < 34:
        x, y = rng.uniform(40, width - 40), rng.uniform(40, height - 40)
        if all(math.dist((x, y), s) > 95 for s in somas):
            somas.append((x, y))

    # Long faint axons between neighbouring cells, slightly curved.
    for i, a in enumerate(somas):
        near = sorted(somas[:i] + somas[i + 1 :], key=lambda s: math.dist(a, s))[:2]
        for b in near:
            if rng.random() < 0.7:
                _curve(draw, a, b, rng, fill=(70, 45, 20), width=1)

    def branch(x, y, angle, length, depth, thickness):
        steps = max(int(length / 6), 2)
        for _ in range(steps):
            angle += rng.gauss(0, 0.18)
            nx, ny = x + math.cos(angle) * 6, y + math.sin(angle) * 6
            shade = 80 + 30 * depth
            draw.line((x, y, nx, ny), fill=(shade + 60, shade, shade // 3), width=thickness)
            x, y = nx, ny
        if depth > 0:
            for turn in (-1, 1):
                branch(
                    x, y, angle + turn * rng.uniform(0.3, 0.7), length * rng.uniform(0.55, 0.75),
                    depth - 1, max(thickness - 1, 1),
                )  # fmt: skip

    for x, y in somas:
        for _ in range(rng.randint(4, 6)):
            branch(x, y, rng.uniform(0, 2 * math.pi), rng.uniform(28, 52), rng.randint(2, 3), 2)
    for x, y in somas:
        r = rng.uniform(6, 10)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 215, 140))
        draw.ellipse((x - r / 2, y - r / 2, x + r / 2, y + r / 2), fill=(255, 250, 230))

    return _glow(_background(size, (10, 6, 18), (24, 10, 14)), light, 5)


def _cosmic_web(size, rng):
    width, height = size
    light = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(light)

    def dot(x, y, brightness, radius=0.8):
        if 0 <= x < width and 0 <= y < height:
            colour = (round(150 * brightness), round(165 * brightness), round(255 * brightness))
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)

    nodes = []
    while len(nodes) < 34:
        # Knots may lie just outside the frame so the web runs off the edges.
        x, y = rng.uniform(-60, width + 60), rng.uniform(-60, height + 60)
        if all(math.dist((x, y), n) > 105 for n in nodes):
            nodes.append((x, y))

    # Filaments: each knot joins its nearest neighbours, galaxies scattered along the way.
    edges = set()
    for i, a in enumerate(nodes):
        for j in sorted(range(len(nodes)), key=lambda k: math.dist(a, nodes[k]))[1:4]:
            edges.add((min(i, j), max(i, j)))
    for i, j in sorted(edges):
        (ax, ay), (bx, by) = nodes[i], nodes[j]
        length = math.dist(nodes[i], nodes[j])
        nx, ny = (ay - by) / length, (bx - ax) / length  # unit normal
        bend = rng.uniform(-0.2, 0.2) * length
        wiggle = rng.uniform(-0.06, 0.06) * length
        strength = rng.uniform(0.25, 1.0)  # some filaments are faint, some rich
        width_px = rng.uniform(2.5, 7)
        for _ in range(int(length * 1.8 * strength)):
            t = rng.random()
            curve = bend * 4 * t * (1 - t) + wiggle * math.sin(3 * math.pi * t)
            offset = curve + rng.gauss(0, width_px)
            x, y = ax + (bx - ax) * t + nx * offset, ay + (by - ay) * t + ny * offset
            dot(x, y, rng.uniform(0.25, 0.9) * (0.5 + strength / 2))

    # Knots: dense clusters where filaments meet.
    for x, y in nodes:
        spread = rng.uniform(6, 16)
        for _ in range(rng.randint(60, 260)):
            brightness, radius = rng.uniform(0.5, 1.0), rng.uniform(0.6, 1.4)
            dot(rng.gauss(x, spread), rng.gauss(y, spread), brightness, radius)
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=(235, 230, 255))

    # A thin field of isolated galaxies in the voids.
    for _ in range(900):
        dot(rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.15, 0.45), 0.6)

    return _glow(_background(size, (4, 6, 20), (10, 4, 22)), light, 3)


def _curve(draw, a, b, rng, **line):
    """A gentle quadratic curve from a to b."""
    (ax, ay), (bx, by) = a, b
    mx, my = (ax + bx) / 2 + rng.uniform(-25, 25), (ay + by) / 2 + rng.uniform(-25, 25)
    points = []
    for step in range(21):
        t = step / 20
        points.append(
            (
                (1 - t) ** 2 * ax + 2 * (1 - t) * t * mx + t**2 * bx,
                (1 - t) ** 2 * ay + 2 * (1 - t) * t * my + t**2 * by,
            )
        )
    draw.line(points, **line)
