"""Unit tests of tism_tutorial.weights: download through pooch, checksums, offline fallback, provenance.

Nothing here touches the internet: the registry entries are pointed at an HTTP
server on 127.0.0.1, and the cache is a temporary directory. State dicts have
the published keys and shapes but are stored as expanded (stride-0) tensors,
so a "full-size" Beluga state dict file is a few kB.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import re
import shutil
import socket
import threading
import warnings
from pathlib import Path

import pytest
import torch

from tism_tutorial import weights
from tism_tutorial.model import Beluga
from tism_tutorial.weights import ChecksumError, load_beluga, online, target_names

BELUGA_FILE = "deepsea.beluga.pth"
NAMES_FILE = "beluga_target_names.txt"
SHARED_NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / NAMES_FILE


# ----------------------------------------------------------------------------
# Fixtures and helpers
# ----------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def hermetic_env(tmp_path, monkeypatch):
    """Every test gets an empty cache directory and starts offline."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TISM_TUTORIAL_DATA", str(cache))
    monkeypatch.setenv("TISM_TUTORIAL_OFFLINE", "1")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return cache


@pytest.fixture(scope="module")
def beluga_shapes(beluga):
    """Published key -> shape, from the session's Beluga."""
    return {k: tuple(v.shape) for k, v in beluga.state_dict().items()}


@pytest.fixture(scope="module")
def fake_state(beluga_shapes):
    """A state dict with exactly Beluga's keys and shapes, random values varying along the first axis."""
    gen = torch.Generator().manual_seed(123)
    return {k: torch.randn(s[0], *[1] * (len(s) - 1), generator=gen).expand(s) for k, s in beluga_shapes.items()}


def md5(path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def assert_params_equal(model, state):
    loaded = model.state_dict()
    assert set(loaded) == set(state)
    for k, v in state.items():
        assert torch.equal(loaded[k].cpu(), v), k


class Server:
    """A loopback HTTP server over a directory that counts the requests it gets."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(tmp_path):
    """A ThreadingHTTPServer on 127.0.0.1 serving tmp_path/'served', shut down after the test."""
    root = tmp_path / "served"
    root.mkdir()
    srv = Server(root)
    yield srv
    srv.close()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------
# (a) Download through pooch from the (patched) registry
# ----------------------------------------------------------------------------

def test_auto_downloads_verifies_and_caches_published_file(server, fake_state, hermetic_env, monkeypatch):
    """load_beluga('auto') downloads the registry file once, checks its md5, reports 'beluga' and reuses the cache."""
    path = server.root / BELUGA_FILE
    torch.save(fake_state, path)
    digest = md5(path)
    monkeypatch.setitem(weights.REGISTRY, BELUGA_FILE, (server.url(BELUGA_FILE), f"md5:{digest}"))
    monkeypatch.delenv("TISM_TUTORIAL_OFFLINE")

    model, info = load_beluga("auto", device="cpu")
    assert info.source == "beluga" and info.trained
    assert info.md5 == digest
    assert info.label == "Beluga (published weights)"
    cached = hermetic_env / BELUGA_FILE
    assert cached.is_file() and md5(cached) == digest
    assert Path(info.path) == cached
    assert_params_equal(model, fake_state)
    assert not model.training
    assert server.requests == [f"/{BELUGA_FILE}"]

    model2, info2 = load_beluga("auto", device="cpu")
    assert server.requests == [f"/{BELUGA_FILE}"], "second call went to the network"
    assert info2 == info
    assert_params_equal(model2, fake_state)


def test_target_names_downloaded_through_registry(server, hermetic_env, monkeypatch):
    """target_names() downloads the names file, checks its sha256 and returns its lines."""
    lines = [f"cell{i}_assay{i % 7}_None" for i in range(2002)]
    path = server.root / NAMES_FILE
    path.write_text("\n".join(lines) + "\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(weights.REGISTRY, NAMES_FILE, (server.url(NAMES_FILE), f"sha256:{digest}"))
    monkeypatch.delenv("TISM_TUTORIAL_OFFLINE")
    assert target_names() == lines
    assert (hermetic_env / NAMES_FILE).is_file()
    assert target_names() == lines
    assert len(server.requests) == 1


# ----------------------------------------------------------------------------
# (b) Checksum mismatches
# ----------------------------------------------------------------------------

def test_download_with_wrong_hash_raises_checksum_error_and_keeps_nothing(server, hermetic_env, monkeypatch):
    """A download whose md5 differs from the registry raises ChecksumError naming the file and both hashes."""
    path = server.root / BELUGA_FILE
    path.write_bytes(b"these are not Beluga's weights")
    actual = md5(path)
    wrong = "0" * 32
    monkeypatch.setitem(weights.REGISTRY, BELUGA_FILE, (server.url(BELUGA_FILE), f"md5:{wrong}"))
    monkeypatch.delenv("TISM_TUTORIAL_OFFLINE")
    assert issubclass(ChecksumError, ValueError)
    with pytest.raises(ChecksumError) as err:
        load_beluga("auto", device="cpu")
    msg = str(err.value)
    assert BELUGA_FILE in msg and wrong in msg and actual in msg
    assert len(server.requests) == 1
    assert not (hermetic_env / BELUGA_FILE).exists()
    assert not hermetic_env.exists() or not any(hermetic_env.iterdir())


def test_corrupt_cached_file_raises_checksum_error_and_is_kept(hermetic_env):
    """A cached file with the right name but wrong md5 raises ChecksumError naming path and both hashes; it stays."""
    hermetic_env.mkdir(parents=True)
    cached = hermetic_env / BELUGA_FILE
    cached.write_bytes(b"truncated download")
    actual = md5(cached)
    expected = weights.REGISTRY[BELUGA_FILE][1].split(":")[1]
    assert expected == "62360f2db4ac96554d28d058b50ab654"
    with pytest.raises(ChecksumError) as err:
        load_beluga("auto", device="cpu")
    msg = str(err.value)
    assert str(cached) in msg and actual in msg and expected in msg
    assert cached.read_bytes() == b"truncated download"


def test_corrupt_cached_target_names_raise_checksum_error(hermetic_env):
    """A cached names file with the wrong sha256 raises ChecksumError naming it."""
    hermetic_env.mkdir(parents=True)
    cached = hermetic_env / NAMES_FILE
    cached.write_text("only one name\n")
    with pytest.raises(ChecksumError, match=re.escape(str(cached))):
        target_names()
    assert cached.exists()


# ----------------------------------------------------------------------------
# (c) Offline
# ----------------------------------------------------------------------------

def test_offline_auto_falls_back_to_untrained_with_warning(server, monkeypatch):
    """Offline with an empty cache, load_beluga('auto') warns and returns an untrained Beluga labelled UNTRAINED."""
    monkeypatch.setitem(weights.REGISTRY, BELUGA_FILE, (server.url(BELUGA_FILE), "md5:" + "0" * 32))
    with pytest.warns(UserWarning, match="UNTRAINED"):
        model, info = load_beluga("auto", device="cpu")
    assert info.source == "untrained" and info.trained is False
    assert "UNTRAINED" in info.label
    assert info.path is None and info.md5 is None
    assert isinstance(model, Beluga) and not model.training
    assert server.requests == [], "TISM_TUTORIAL_OFFLINE=1 must not touch the network"


def test_online_false_for_unreachable_port(monkeypatch):
    """online() returns False for a closed loopback port (connection refused, no timeout wait)."""
    monkeypatch.delenv("TISM_TUTORIAL_OFFLINE")
    assert online(f"http://127.0.0.1:{free_port()}/x", timeout=2.0) is False


def test_online_true_for_listening_server_unless_offline_env(server, monkeypatch):
    """online() is True for a listening loopback server, False when TISM_TUTORIAL_OFFLINE=1, True for '0'."""
    url = server.url("anything")
    monkeypatch.setenv("TISM_TUTORIAL_OFFLINE", "1")
    assert online(url) is False
    monkeypatch.setenv("TISM_TUTORIAL_OFFLINE", "0")
    assert online(url) is True
    monkeypatch.delenv("TISM_TUTORIAL_OFFLINE")
    assert online(url) is True


# ----------------------------------------------------------------------------
# (d) Loading a given file
# ----------------------------------------------------------------------------

def test_load_random_weights_file_reports_file_source(tmp_path, fake_state):
    """load_beluga(path) with a non-published state dict loads it and reports source 'file', not published."""
    path = tmp_path / "my_weights.pth"
    torch.save(fake_state, path)
    model, info = load_beluga(path, device="cpu")
    assert info.source == "file" and info.trained
    assert info.path == str(path) and info.md5 == md5(path)
    assert "not the published" in info.label and path.name in info.label
    assert_params_equal(model, fake_state)
    _, info_str = load_beluga(str(path), device="cpu")  # str paths work too
    assert info_str.source == "file"


def test_load_file_with_published_md5_reports_beluga(tmp_path, fake_state, monkeypatch):
    """A given file whose md5 equals the registry's is reported as the published weights."""
    path = tmp_path / "copy.pth"
    torch.save(fake_state, path)
    monkeypatch.setitem(weights.REGISTRY, BELUGA_FILE, ("http://127.0.0.1:9/unused", f"md5:{md5(path)}"))
    _, info = load_beluga(path, device="cpu")
    assert info.source == "beluga"


def _write_bad_file(kind, path: Path, fake_state) -> str:
    """Write a bad weights file; return a regex the error must also match besides the file name."""
    if kind == "list":
        torch.save([1, 2, 3], path)
    elif kind == "tensor":
        torch.save(torch.zeros(3), path)
    elif kind == "truncated":
        torch.save(fake_state, path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "garbage":
        path.write_bytes(bytes(range(256)) * 8)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "missing key":
        state = dict(fake_state)
        del state["model.0.6.bias"]
        torch.save(state, path)
        return "model.0.6.bias"
    elif kind == "mis-shaped key":
        state = dict(fake_state)
        state["model.1.4.1.weight"] = torch.zeros(2002, 2002)
        torch.save(state, path)
        return "model.1.4.1.weight"
    elif kind == "renamed keys":
        torch.save({"module." + k: v for k, v in fake_state.items()}, path)
        return "module.model.0.0.weight"
    else:
        raise AssertionError(kind)
    return ""


@pytest.mark.parametrize("kind", ["list", "tensor", "truncated", "garbage", "empty", "missing key",
                                  "mis-shaped key", "renamed keys"])
def test_bad_weights_file_raises_value_error_naming_file(tmp_path, fake_state, kind):
    """A file that is not a readable Beluga state dict raises ValueError naming the file (and the bad key)."""
    path = tmp_path / f"bad_{kind.replace(' ', '_')}.pth"
    extra = _write_bad_file(kind, path, fake_state)
    with pytest.raises(ValueError, match=re.escape(path.name)) as err:
        load_beluga(path, device="cpu")
    assert not isinstance(err.value, ChecksumError)
    if extra:
        assert extra in str(err.value)


def test_state_dict_with_extra_non_tensor_entry_raises_value_error(tmp_path, fake_state):
    """A state dict with all Beluga tensors plus a non-tensor entry raises ValueError naming the file."""
    path = tmp_path / "extra_entry.pth"
    torch.save({**fake_state, "epoch": 11}, path)
    with pytest.raises(ValueError, match=re.escape(path.name)):
        load_beluga(path, device="cpu")


def test_nonexistent_path_raises_value_error(tmp_path):
    """A path that does not exist raises ValueError naming it."""
    missing = tmp_path / "nowhere" / "deepsea.beluga.pth"
    with pytest.raises(ValueError, match=re.escape(str(missing))):
        load_beluga(missing, device="cpu")
    with pytest.raises(ValueError, match="does not exist"):
        load_beluga(str(missing), device="cpu")


def test_directory_path_raises_value_error(tmp_path):
    """A directory given as the weights path raises ValueError."""
    with pytest.raises(ValueError):
        load_beluga(tmp_path, device="cpu")


@pytest.mark.parametrize("keyword", ["autoo", "Auto", "untrainned", ""])
def test_unknown_keyword_raises_value_error(keyword):
    """An unknown keyword raises ValueError naming the accepted ones."""
    with pytest.raises(ValueError, match=r"'auto'.*'untrained'|does not exist"):
        load_beluga(keyword, device="cpu")


# ----------------------------------------------------------------------------
# (e) Target names
# ----------------------------------------------------------------------------

@pytest.mark.skipif(not SHARED_NAMES.is_file(), reason=f"{SHARED_NAMES} not available")
def test_target_names_from_seeded_cache(hermetic_env):
    """With the published names file in the cache, target_names() returns its 2002 lines (offline, sha256 checked)."""
    hermetic_env.mkdir(parents=True)
    shutil.copy(SHARED_NAMES, hermetic_env / NAMES_FILE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        names = target_names()
    assert len(names) == 2002
    assert names[53] == "GM12878_DNase_None"
    assert names[55] == "HeLa-S3_DNase_None"
    assert names[267] == "H1-hESC_JunD_None"
    assert names == SHARED_NAMES.read_text().splitlines()


def test_target_names_offline_empty_cache_warns_and_uses_track_numbers():
    """Offline with an empty cache, target_names() warns and returns 'track <i>' names."""
    with pytest.warns(UserWarning, match="target names"):
        names = target_names()
    assert len(names) == 2002
    assert names[0] == "track 0" and names[267] == "track 267" and names[2001] == "track 2001"


# ----------------------------------------------------------------------------
# 6. Device and mode
# ----------------------------------------------------------------------------

def test_load_beluga_default_device_and_eval_mode():
    """load_beluga(device=None) puts the model on CUDA when available, else the CPU, in eval mode."""
    model, info = load_beluga("untrained")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert {p.device.type for p in model.parameters()} == {expected}
    assert not model.training and all(not m.training for m in model.modules())
    assert info.source == "untrained" and not info.trained and "UNTRAINED" in info.label


def test_cache_dir_follows_environment(hermetic_env, monkeypatch):
    """cache_dir() is $TISM_TUTORIAL_DATA when set, else a user cache directory."""
    assert weights.cache_dir() == hermetic_env
    monkeypatch.delenv("TISM_TUTORIAL_DATA")
    assert "tism_tutorial" in str(weights.cache_dir())


def test_unknown_device_raises_value_error():
    """A device string torch does not know raises ValueError naming the argument."""
    from tism_tutorial import load_beluga
    with pytest.raises(ValueError, match="device"):
        load_beluga("untrained", device="gpu0")


def test_untrained_fallback_spreads_like_a_trained_network(beluga):
    """He initialisation: logits spread over about a logit and single-base effects are not vanishing."""
    from tangermeme.utils import random_one_hot

    X = random_one_hot((4, 4, 2000), random_state=0).float()
    Xm = X.clone()
    Xm[:, :, 1000] = Xm[:, :, 1000].roll(1, dims=1)  # one substitution per sequence
    with torch.no_grad():
        y, ym = beluga(X), beluga(Xm)
    assert 0.3 < float(y.std()) < 10, float(y.std())  # PyTorch's default init gives about 0.01
    assert float((ym - y).abs().mean()) > 1e-3  # the default gives about 1e-5
    assert all(float(layer.bias.abs().max()) == 0 for layer in beluga.modules()
               if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)))


def test_untrained_fallback_is_seeded_and_leaves_the_global_rng_alone():
    from tism_tutorial.weights import untrained_beluga

    state = torch.random.get_rng_state()
    a, b = untrained_beluga(seed=3), untrained_beluga(seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
