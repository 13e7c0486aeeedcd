"""The program as users get it: the wheel and sdist that `python -m build` makes, installed with their
dependencies into a fresh virtual environment and run from another folder, the window included.

The source tree's package list, committed translation, icons and desktop entry are checked here too,
since a wheel carries exactly what they declare.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT
from tests.xdisplay import free_port, x_display

GENERIC = {"app", "forms", "signing", "resources", "tests", "bench"}


# ---------------------------------------------------------------- the source tree declares what ships

def test_pyproject_lists_every_package_of_the_source_folders():
    """setuptools' explicit package list (needed for the bhxh_desk.* mapping) misses nothing."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"bhxh_desk." + ".".join(p.parent.relative_to(ROOT).parts)
             for top in ("app", "forms", "signing", "resources") for p in (ROOT / top).rglob("__init__.py")
             if p.parent != ROOT / "app" / "_package"}
    assert listed == found | {"bhxh_desk"}
    assert config["package-dir"] == {"bhxh_desk": "app/_package",
                                     **{f"bhxh_desk.{t}": t for t in ("app", "forms", "signing", "resources")}}


def test_committed_translation_is_compiled_from_its_source(tmp_path):
    """The .qm ships in the wheel as committed; it must be what pyside6-lrelease makes of the .ts now."""
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    for ts in (ROOT / "resources" / "translations").glob("*.ts"):
        fresh = tmp_path / (ts.stem + ".qm")
        subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(fresh)], check=True)
        assert fresh.read_bytes() == ts.with_suffix(".qm").read_bytes(), (
            f"{ts.name} changed: run pyside6-lrelease {ts} -qm {ts.with_suffix('.qm')}")


def test_desktop_entry_validates():
    entry = ROOT / "resources" / "desktop" / "vn.bhxh_desk.BhxhDesk.desktop"
    r = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_icons_have_their_sizes_and_the_ico_holds_them():
    icons = ROOT / "resources" / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256):
        assert _png_size((icons / f"bhxh-desk-{size}.png").read_bytes()) == (size, size)
    ico = (icons / "bhxh-desk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 4
    sizes = set()
    for i in range(count):
        w, _h, _c, _r, _planes, _bits, length, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i: 22 + 16 * i])
        width, _ = _png_size(ico[offset: offset + length])
        assert width == (w or 256)
        sizes.add(width)
    assert {16, 32, 48, 256} <= sizes
    iss = (ROOT / "installer" / "windows" / "bhxh-desk.iss").read_text(encoding="utf-8")
    assert "SetupIconFile=..\\..\\resources\\icons\\bhxh-desk.ico" in iss


def test_install_desktop_writes_an_entry_that_runs_this_installation(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    r = subprocess.run([sys.executable, "-m", "bhxh_desk.app", "install-desktop"], env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    entry = tmp_path / "share" / "applications" / "vn.bhxh_desk.BhxhDesk.desktop"
    assert subprocess.run(["desktop-file-validate", str(entry)]).returncode == 0
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    program = exec_line.removeprefix("Exec=")
    assert program == str(Path(sys.executable).parent / "bhxh-desk") and os.access(program, os.X_OK)
    assert (tmp_path / "share/icons/hicolor/48x48/apps/bhxh-desk.png").is_file()
    assert (tmp_path / "share/icons/hicolor/scalable/apps/bhxh-desk.svg").is_file()
    r = subprocess.run([sys.executable, "-m", "bhxh_desk.app", "install-desktop", "--uninstall"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and not entry.exists()


# ---------------------------------------------------------------- the built wheel in a fresh venv

class Installed:
    def __init__(self, venv: Path, wheel: Path, sdist: Path) -> None:
        self.venv, self.wheel, self.sdist = venv, wheel, sdist
        self.bin = venv / "bin"
        self.site = next((venv / "lib").glob("python3*/site-packages"))

    def run(self, *args: str, cwd: Path, env: dict | None = None, timeout: float = 300):
        clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return subprocess.run([str(self.bin / "bhxh-desk"), *args], cwd=cwd, capture_output=True, text=True,
                              env={**clean, **(env or {})}, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """`python -m build` (sdist, then the wheel built from that sdist), and the wheel installed with its
    dependencies, as a user's `pip install` does (pip's own cache may serve them)."""
    out = tmp_path_factory.mktemp("wheel")
    src = out / "src"
    # From a clean copy of what git tracks, as a release is built: no .venv, no untracked files.
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    r = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out / "dist"), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheel = next((out / "dist").glob("bhxh_desk-*.whl"))
    sdist = next((out / "dist").glob("bhxh_desk-*.tar.gz"))
    venv = out / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        str(wheel)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return Installed(venv, wheel, sdist)


def test_wheel_holds_one_package_and_every_data_file(installed):
    names = zipfile.ZipFile(installed.wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"bhxh_desk", f"{installed.wheel.name.split('-')[0]}-{installed.wheel.name.split('-')[1]}"
                    ".dist-info"}, tops
    for data in ("i18n/messages.toml", "schemas/D02-TS.xsd", "schemas/forms.json", "rates/base_salary.toml",
                 "catalog/codes/gender.json", "trust/mic-national-root-ca.pem", "fonts/DejaVuSans.ttf",
                 "translations/bhxh_desk_en.qm", "icons/bhxh-desk.svg", "icons/bhxh-desk.ico",
                 "desktop/vn.bhxh_desk.BhxhDesk.desktop"):
        assert f"bhxh_desk/resources/{data}" in names, data
    assert not GENERIC & {p.name for p in installed.site.iterdir()}
    metadata = zipfile.ZipFile(installed.wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: PySide6-Essentials" in metadata         # the desktop comes with it


def test_installed_wheel_runs_from_another_folder(installed, tmp_path, hsm, trust_files):
    """Every command a clerk starts with, from the wheel alone: not the checkout, not its venv."""
    env = {"BHXH_DESK_HOME": str(tmp_path / "home")}
    r = installed.run("--selftest", cwd=tmp_path, env=env)
    assert r.returncode == 0 and "self-test passed" in r.stdout, r.stdout + r.stderr
    assert str(installed.site / "bhxh_desk" / "resources") in r.stdout       # its own data, not the checkout's
    assert "English loads" in r.stdout and "modules import" in r.stdout
    assert "installation: bhxh-desk 0.1.0, package bhxh_desk\n" in r.stdout
    r = installed.run("procedures", "--json", cwd=tmp_path, env=env)
    assert r.returncode == 0 and "600" in {p["code"] for p in json.loads(r.stdout)}
    draft = tmp_path / "draft.json"
    shutil.copy(EXAMPLE, draft)
    shutil.copytree(EXAMPLE.parent / "attachments", tmp_path / "attachments")      # the example's scan
    assert installed.run("validate", str(draft), cwd=tmp_path, env=env).returncode == 0
    r = installed.run("build", str(draft), "-o", str(tmp_path / "u.xml"), cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    root, inter = trust_files
    sign = ["sign", str(draft), "--pkcs11-module", str(hsm.module), "--pin-env", "TEST_PIN",
            "--trust", str(root), "--trust", str(inter)]
    r = installed.run(*sign, "-o", str(tmp_path / "s.xml"), cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr                   # the token helper started from site-packages, with -S
    r = installed.run("verify", str(tmp_path / "s.xml"), "--trust", str(root), "--trust", str(inter),
                      cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    # A packager's other interpreter for the helper (BHXH_DESK_TOKEN_HELPER) finds the package the same way.
    r = installed.run(*sign, "-o", str(tmp_path / "s2.xml"), cwd=tmp_path,
                      env={**env, "BHXH_DESK_TOKEN_HELPER": str(installed.bin / "python")})
    assert r.returncode == 0, r.stderr


def test_installed_wheel_leaves_another_projects_app_alone(installed, tmp_path):
    other = tmp_path / "other"
    (other / "app").mkdir(parents=True)
    (other / "app" / "__init__.py").write_text("WHO = 'the other project'\n")
    code = ("import app, bhxh_desk.app.cli; print(app.WHO); "
            "import importlib.util as u; print([n for n in ('forms', 'signing', 'resources') if u.find_spec(n)])")
    r = subprocess.run([str(installed.bin / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(other)})
    assert r.returncode == 0 and r.stdout.splitlines() == ["the other project", "[]"], r.stdout + r.stderr


def test_installed_sandbox_starts_as_test_mode_starts_it(installed, tmp_path):
    """Test mode's sandbox is `python -m bhxh_desk.app sandbox`, from wherever the package is installed."""
    port = free_port()
    code = ("from bhxh_desk.app import testmode; from bhxh_desk.app.paths import default_paths; "
            "p = default_paths(); testmode.ensure_demo(p); s = testmode.EmbeddedSandbox(p); "
            "print(s.start()); s.stop()")
    r = subprocess.run([str(installed.bin / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       timeout=180, env={**os.environ, "BHXH_DESK_HOME": str(tmp_path / "home"),
                                         "BHXH_DESK_SANDBOX_PORT": str(port)})
    assert r.returncode == 0 and r.stdout.strip() == f"http://127.0.0.1:{port}", r.stdout + r.stderr


def test_resources_are_found_when_the_package_is_a_zip(installed, tmp_path):
    """A wheel is a zip: on sys.path as it is, its resources are copied out once and read from there."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from bhxh_desk.forms.resources import resources_dir; from bhxh_desk.forms.messages import render; "
            "import bhxh_desk.forms; print(bhxh_desk.forms.__file__); print(resources_dir()); "
            "print(render('desktop.no_display', 'en'))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("BHXH_DESK_RESOURCES", None)
    r = subprocess.run([str(installed.bin / "python"), "-c", code, str(installed.wheel)], cwd=tmp_path,
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    module, folder, message = r.stdout.splitlines()
    assert module.startswith(str(installed.wheel))
    assert folder.startswith(str(tmp_path / "cache")) and (Path(folder) / "schemas" / "D02-TS.xsd").is_file()
    assert "no display" in message


def test_sdist_carries_the_sources_the_wheel_is_built_from(installed):
    import tarfile

    with tarfile.open(installed.sdist) as sdist:
        names = sdist.getnames()
    root = names[0].split("/")[0]
    for path in ("pyproject.toml", "app/launch.py", "forms/catalog.py", "signing/token/helper.py",
                 "resources/i18n/messages.toml", "resources/translations/bhxh_desk_en.qm", "README.md"):
        assert f"{root}/{path}" in names, path


# ---------------------------------------------------------------- the plain command: window or hint

def test_plain_command_without_a_display_prints_the_hint_and_the_help(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([str(installed.bin / "bhxh-desk")], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0
    assert r.stderr.strip().splitlines() == [
        "Không mở được cửa sổ: không có màn hình (biến DISPLAY chưa đặt). Các lệnh dưới đây vẫn dùng được."]
    assert r.stdout.startswith("usage: bhxh-desk") and "sign" in r.stdout


def test_qt_refusing_to_start_is_a_hint_not_an_abort(tmp_path):
    """When Qt gives up anyway (here: a platform plugin that does not exist), the user sees the hint and
    the help, exit 0, instead of Qt's abort (exit 134 and a core)."""
    with x_display(window_manager=False) as display:
        env = {**display.env(), "QT_QPA_PLATFORM": "no-such-platform", "BHXH_DESK_HOME": str(tmp_path)}
        r = subprocess.run([sys.executable, "-m", "bhxh_desk.app"], capture_output=True, text=True, env=env,
                           timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("Không mở được cửa sổ: Qt không khởi động được (")
    assert "no-such-platform" in r.stderr.splitlines()[0] and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout.startswith("usage: bhxh-desk")


def test_missing_system_library_is_named(tmp_path):
    from bhxh_desk.app import desktop

    code = ("import ctypes, os; real = ctypes.CDLL\n"
            "def fake(name, *a, **k):\n"
            "    if name == 'libxcb-cursor.so.0': raise OSError(name)\n"
            "    return real(name, *a, **k)\n"
            "ctypes.CDLL = fake\n"
            "from bhxh_desk.app.cli import main; raise SystemExit(main([]))\n")
    env = {**os.environ, "DISPLAY": ":0", "BHXH_DESK_HOME": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0
    assert r.stderr.splitlines()[0] == ("Không mở được cửa sổ: thiếu thư viện hệ thống (sudo apt install "
                                        "libxcb-cursor0). Các lệnh dưới đây vẫn dùng được.")
    assert desktop.XCB_LIBRARIES["libxcb-cursor.so.0"] == "libxcb-cursor0"


def test_plain_command_opens_the_window_from_the_wheel(installed, tmp_path):
    """Under Xvfb with openbox: `bhxh-desk`, installed from the wheel, maps its main window."""
    with x_display() as display:
        env = {**display.env(), "BHXH_DESK_HOME": str(tmp_path / "home"), "BHXH_DESK_SANDBOX_PORT": str(free_port())}
        env.pop("PYTHONPATH", None)
        titles, output = display.open_program([str(installed.bin / "bhxh-desk")], env)
    assert any(t.startswith("bhxh-desk") for t in titles), output[-3000:]
