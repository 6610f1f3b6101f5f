"""Cut what Hearth's runtime never loads out of a freshly built environment (the .deb's /opt/hearth).

pip installs whole distributions; the app uses a fraction of some of them. What goes, and why:

- pip and setuptools: nothing is installed into /opt/hearth after the build (dpkg owns it).
- huggingface_hub and hf-xet, and the distributions only they pulled in (httpx, anyio, fsspec,
  PyYAML, tqdm, ...): `tokenizers` requires huggingface_hub for `Tokenizer.from_pretrained`, a
  download; Hearth opens its tokenizer files with `Tokenizer.from_file` and fetches nothing.
- PySide6: every Qt module but QtCore, QtGui, QtWidgets and QtSvg (the only ones app/gui imports),
  Qt's tools (designer, linguist, qml*), QML, translations, headers, type stubs and the plugins
  the app cannot use (SQL drivers, printing, QML tooling, network information, TLS, the GTK
  theme, which would need GTK); then every Qt library that no kept module or plugin links to
  (ELF NEEDED entries, followed to closure).
- onnxruntime: libonnxruntime.so (the C API library; the Python module links its own copy) and the
  Python-only tool packages (transformers optimizer, quantization, tools, datasets).
- type stubs (*.pyi) and packages' own test suites (`tests` folders).

It prints what it removed and the size before and after; `packaging/build.sh` then smoke-tests the
result (listen, gui offscreen) before packaging it, and `packaging/test-deb.sh` runs it on a clean
Debian 12 with `ldd` checks, so a cut that breaks the app fails the build.

    python trim_runtime.py SITE_PACKAGES
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import Distribution, PathDistribution
from pathlib import Path

DROP_DISTRIBUTIONS = {"pip", "setuptools", "wheel", "huggingface-hub", "hf-xet"}
ROOT_DISTRIBUTION = "hearth"

QT_MODULES = {"QtCore", "QtGui", "QtWidgets", "QtSvg"}
QT_PLUGINS = [  # relative to PySide6/Qt/plugins; globs
    "platforms/libqxcb.so", "platforms/libqwayland.so", "platforms/libqoffscreen.so", "platforms/libqminimal.so",
    "xcbglintegrations/*", "wayland-shell-integration/libxdg-shell.so", "wayland-decoration-client/*",
    "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
    "imageformats/libqsvg.so", "imageformats/libqjpeg.so", "imageformats/libqgif.so", "imageformats/libqico.so",
    "iconengines/*", "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "platforminputcontexts/libibusplatforminputcontextplugin.so", "platformthemes/libqxdgdesktopportal.so",
]
PYSIDE_DROP = ["Qt/qml", "Qt/translations", "Qt/metatypes", "Qt/libexec", "include", "typesystems", "glue",
               "scripts", "designer", "assistant", "linguist", "lrelease", "lupdate", "qmlformat", "qmlls",
               "qmllint", "qmlcachegen", "qmlimportscanner", "qmltyperegistrar", "rcc", "uic", "balsam",
               "balsamui", "svgtoqml", "qsb", "androiddeployqt", "android_deploy", "pyside6-project",
               "libpyside6qml.abi3.so*"]  # QtQml's binding: it alone links QtQml and QtNetwork
ONNXRUNTIME_DROP = ["capi/libonnxruntime.so*", "transformers", "quantization", "tools", "datasets"]


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _remove(path: Path, removed: list[tuple[str, int]], root: Path) -> None:
    if not (path.exists() or path.is_symlink()):
        return
    removed.append((str(path.relative_to(root)), _size(path)))
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _distributions(site: Path) -> dict[str, Distribution]:
    return {_name(d.metadata["Name"]): d for d in (PathDistribution(p) for p in site.glob("*.dist-info"))}


def _requires(dist: Distribution) -> list[str]:
    """Names of what `dist` needs at run time (no extras; markers evaluated for this Python)."""
    from packaging.requirements import Requirement

    out = []
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(_name(req.name))
    return out


def orphans(dists: dict[str, Distribution]) -> set[str]:
    """Distributions nothing kept needs once DROP_DISTRIBUTIONS are gone."""
    keep, todo = set(), [ROOT_DISTRIBUTION]
    while todo:
        name = todo.pop()
        if name in keep or name in DROP_DISTRIBUTIONS or name not in dists:
            continue
        keep.add(name)
        todo += _requires(dists[name])
    return set(dists) - keep


def drop_distribution(site: Path, dist: Distribution, removed: list[tuple[str, int]]) -> None:
    """Every file the distribution's RECORD lists, its dist-info and the folders left empty."""
    entries = list(dist.files or [])  # read RECORD once: it is one of the files removed
    for entry in entries:
        path = (site / entry).resolve()
        if site in path.parents and (path.is_file() or path.is_symlink()):
            _remove(path, removed, site)
    for folder in sorted({(site / e).parent for e in entries}, key=lambda p: -len(p.parts)):
        while folder != site and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    if dist._path.exists():  # type: ignore[attr-defined]
        _remove(dist._path, removed, site)  # type: ignore[attr-defined]


def _needed(elf: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def trim_pyside(site: Path, removed: list[tuple[str, int]]) -> None:
    pyside = site / "PySide6"
    if not pyside.is_dir():
        return
    for rel in PYSIDE_DROP:
        for path in list(pyside.glob(rel)):
            _remove(path, removed, site)
    for module in pyside.glob("Qt*.abi3.so"):
        if module.name.split(".")[0] not in QT_MODULES:
            _remove(module, removed, site)
    for stub in list(pyside.glob("*.pyi")):
        _remove(stub, removed, site)
    plugins = pyside / "Qt" / "plugins"
    kept_plugins = {p for pattern in QT_PLUGINS for p in plugins.glob(pattern)}
    for plugin in sorted(plugins.rglob("*.so")):
        if plugin not in kept_plugins:
            _remove(plugin, removed, site)
    for folder in sorted(plugins.iterdir()):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    libs = pyside / "Qt" / "lib"
    needed: set[str] = set()
    todo = [*pyside.glob("Qt*.abi3.so"), *pyside.glob("libpyside6.abi3.so*"), *kept_plugins]
    while todo:
        for name in _needed(todo.pop()):
            if name not in needed and (libs / name).exists():
                needed.add(name)
                todo.append(libs / name)
    for lib in sorted(libs.iterdir()):
        if lib.is_file() and lib.name not in needed:
            _remove(lib, removed, site)


def trim(site: Path) -> list[tuple[str, int]]:
    removed: list[tuple[str, int]] = []
    dists = _distributions(site)
    if ROOT_DISTRIBUTION not in dists:
        raise SystemExit(f"no {ROOT_DISTRIBUTION} distribution in {site}")
    for name in sorted((DROP_DISTRIBUTIONS & set(dists)) | orphans(dists)):
        drop_distribution(site, dists[name], removed)
    trim_pyside(site, removed)
    for rel in ONNXRUNTIME_DROP:
        for path in (site / "onnxruntime").glob(rel):
            _remove(path, removed, site)
    for folder in sorted(site.rglob("tests"), key=lambda p: -len(p.parts)):
        if folder.is_dir() and folder.parent != site:
            _remove(folder, removed, site)
    for stub in list(site.rglob("*.pyi")):
        _remove(stub, removed, site)
    for folder in sorted((p for p in site.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):  # left empty by the cuts above (stub-only folders, ...)
            folder.rmdir()
    return removed


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    site = Path(argv[0]).resolve()
    before = _size(site)
    removed = trim(site)
    tops: dict[str, int] = {}
    for rel, size in removed:
        top = rel.split("/")[0]
        tops[top] = tops.get(top, 0) + size
    for top, size in sorted(tops.items(), key=lambda kv: -kv[1]):
        print(f"  removed {size / 1e6:7.1f} MB  {top}")
    print(f"site-packages: {before / 1e6:.0f} MB -> {_size(site) / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
