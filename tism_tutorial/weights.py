"""Beluga's weights and target names: pinned URLs, checksums, cache, provenance.

Files are downloaded once with :mod:`pooch` (progress bar, hash checked) into
a cache directory: ``$TISM_TUTORIAL_DATA`` when set, else the user cache
(``~/.cache/tism_tutorial`` on Linux). Without a network connection,
:func:`load_beluga` falls back to a seeded **untrained** Beluga and says so,
in a warning and in the returned :class:`WeightsInfo`, whose ``label`` every
chapter puts into its figure titles. Set ``TISM_TUTORIAL_OFFLINE=1`` to skip
the network entirely.
"""

from __future__ import annotations

import hashlib
import os
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pooch
import requests
import torch

from .model import N_TARGETS, Beluga
from .validate import resolve_device

#: name -> (url, known hash "algorithm:hex"). Tests point entries at a loopback server.
REGISTRY = {
    "deepsea.beluga.pth": (
        "https://zenodo.org/record/3402406/files/deepsea.beluga.pth",
        "md5:62360f2db4ac96554d28d058b50ab654",
    ),
    "beluga_target_names.txt": (
        "https://raw.githubusercontent.com/kipoi/models/06bfe84758b996d06f7f604b29e5b0342a700551/"
        "DeepSEA/beluga/predictor_names.txt",
        "sha256:9c6e7f8ca3135b1ea1a07d2cb9e77729897d2d1ca31f7420fe8168952895d1ca",
    ),
}
#: Seed of the untrained fallback model.
UNTRAINED_SEED = 0
#: Seconds to wait for a TCP connection before declaring the machine offline.
CONNECT_TIMEOUT = 3.0


class ChecksumError(ValueError):
    """A file's hash differs from the pinned one; the file was not loaded."""


@dataclass(frozen=True)
class WeightsInfo:
    """Where a model's weights came from.

    A frozen dataclass returned by :func:`load_beluga`; every parameter is
    also an attribute of the same name.

    Parameters
    ----------
    source : str
        ``"beluga"`` (the published file, hash verified), ``"file"`` (a
        user-supplied file that is not the published one) or ``"untrained"``
        (seeded random initialisation).
    path : str or None
        The weights file, if any.
    md5 : str or None
        MD5 of the weights file, if any.
    label : str
        A short description for printed output and figure titles.
    """

    source: str
    path: str | None
    md5: str | None
    label: str

    @property
    def trained(self) -> bool:
        """True unless the weights are the untrained fallback.

        Returns
        -------
        bool
            False when ``source == "untrained"``; True for ``"beluga"`` and
            ``"file"`` (a user-supplied file counts as trained).
        """
        return self.source != "untrained"


def cache_dir() -> Path:
    """The download cache: ``$TISM_TUTORIAL_DATA`` or the OS user cache.

    The folder is not created here (downloads create it).

    Returns
    -------
    pathlib.Path
        ``$TISM_TUTORIAL_DATA`` with ``~`` expanded when that variable is set
        and non-empty, else ``pooch.os_cache("tism_tutorial")``
        (``~/.cache/tism_tutorial`` on Linux).
    """
    env = os.environ.get("TISM_TUTORIAL_DATA")
    return Path(env).expanduser() if env else Path(pooch.os_cache("tism_tutorial"))


def file_hash(path: str | os.PathLike, algorithm: str = "md5") -> str:
    """Hex digest of a file, read in 1 MiB chunks.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    algorithm : str, optional
        Any name ``hashlib.new`` accepts, e.g. ``"md5"`` (default) or ``"sha256"``.

    Returns
    -------
    str
        Lower-case hexadecimal digest.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``algorithm`` is not a known hash (from ``hashlib.new``).
    """
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def online(url: str, timeout: float = CONNECT_TIMEOUT) -> bool:
    """Whether a TCP connection to ``url``'s host opens within ``timeout`` s.

    Always False when the environment variable ``TISM_TUTORIAL_OFFLINE`` is set
    to a non-empty value other than ``0``. Only a TCP connection is opened
    (the URL's port, else 443 for https and 80 otherwise); no request is sent.

    Parameters
    ----------
    url : str
        Any URL; only its host and port are used.
    timeout : float, optional
        Seconds to wait for the connection. Default :data:`CONNECT_TIMEOUT` (3 s).

    Returns
    -------
    bool
        True if the connection opened.
    """
    if os.environ.get("TISM_TUTORIAL_OFFLINE", "") not in ("", "0"):
        return False
    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def fetch(name: str) -> Path | None:
    """Return the cached, hash-checked path of a registry file, downloading it if needed.

    Returns None when the file is not cached and the machine is offline, or
    the download fails for a network reason (with a warning).

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY`, e.g. ``"deepsea.beluga.pth"``.

    Returns
    -------
    pathlib.Path or None
        ``cache_dir() / name``, its hash verified; None offline or after a
        failed download.

    Raises
    ------
    ChecksumError
        If the cached or downloaded file's hash differs from the pinned one.
        A bad cached file is left in place (delete it to download again); a
        bad download is deleted by pooch.
    KeyError
        If ``name`` is not in :data:`REGISTRY`.
    """
    url, known = REGISTRY[name]
    algorithm, expected = known.split(":")
    path = cache_dir() / name
    if path.exists():
        actual = file_hash(path, algorithm)
        if actual != expected:
            raise ChecksumError(f"{path} has {algorithm} {actual}, expected {expected}: the file is "
                                "corrupt or not the published one, so it was not loaded. Delete it to "
                                "download it again.")
        return path
    if not online(url):
        return None
    try:
        return Path(pooch.retrieve(url, known_hash=known, fname=name, path=cache_dir(),
                                   progressbar=True,
                                   downloader=pooch.HTTPDownloader(timeout=(CONNECT_TIMEOUT, 300))))
    except ValueError as err:  # pooch's hash mismatch: names both hashes, deletes the download
        raise ChecksumError(f"download of {name} from {url} failed its {algorithm} check: {err}") from err
    except (requests.RequestException, OSError) as err:  # reachable host, failed download (proxy, HTTP error)
        warnings.warn(f"download of {name} from {url} failed ({type(err).__name__}: {err})", stacklevel=3)
        return None


def untrained_beluga(seed: int = UNTRAINED_SEED, sequence_length: int = 2000) -> Beluga:
    """A seeded, untrained Beluga whose outputs spread like a trained network's logits.

    Scheme: every convolution and linear weight is drawn from He (Kaiming)
    normal initialisation for ReLU networks (He et al. 2015,
    ``torch.nn.init.kaiming_normal_``, fan-in mode) and every bias is zero.
    That initialisation keeps the size of the activations through Beluga's
    ReLU layers, so the untrained network's logits spread over about a logit
    across targets and single-base changes move them by hundredths of a logit,
    the scale of a trained model's background effects. PyTorch's default
    initialisation shrinks the activations layer by layer and gives logits of
    about 0.000 and ISM effects of order 1e-5, on which no analysis has
    anything to show. ``tests/test_weights.py`` checks the spread. The weights
    are random all the same: every output is labelled UNTRAINED.

    The seed is set inside ``torch.random.fork_rng``, so the global CPU
    random state is left as it was.

    Parameters
    ----------
    seed : int, optional
        Seed of the initialisation. Default :data:`UNTRAINED_SEED` (0).
    sequence_length : int, optional
        Input length in bp. Default 2,000.

    Returns
    -------
    Beluga
        On the CPU, float32, in training mode (call ``.eval()`` before
        computing attributions).

    Raises
    ------
    ValueError
        If ``sequence_length`` is too short for Beluga (below 310 bp).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Beluga(sequence_length)
        for layer in model.modules():
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
                torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                torch.nn.init.zeros_(layer.bias)
    return model


def _load_file(path: Path, expected_md5: str) -> tuple[Beluga, WeightsInfo]:
    md5 = file_hash(path, "md5")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(f"{path} is not a readable PyTorch state dict ({type(err).__name__}: {err})") from err
    if not isinstance(state, dict):
        raise ValueError(f"{path} holds a {type(state).__name__}, not a state dict")
    model = Beluga()
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__ for k, v in state.items()}
    if expected != found:
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        shapes = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
        raise ValueError(f"{path} is not a Beluga state dict: missing keys {missing}, unexpected keys {extra}, "
                         f"wrong shapes {[(k, found[k], expected[k]) for k in shapes]}")
    model.load_state_dict(state, strict=True)
    if md5 == expected_md5:
        info = WeightsInfo("beluga", str(path), md5, "Beluga (published weights)")
    else:
        info = WeightsInfo("file", str(path), md5, f"Beluga architecture, weights from {path.name} "
                                                   f"(md5 {md5[:8]}, not the published file)")
    return model, info


def load_beluga(weights: str | os.PathLike = "auto",
                device: torch.device | str | None = None) -> tuple[Beluga, WeightsInfo]:
    """Load DeepSEA Beluga in eval mode and say where its weights came from.

    Parameters
    ----------
    weights : "auto", "untrained" or path, optional
        ``"auto"`` (default): the published file (Zenodo record 3402406,
        md5 62360f2d...) from the cache, else downloaded with a progress bar;
        offline, a seeded untrained Beluga with a warning. ``"untrained"``:
        the seeded untrained model. A path: that state dict (its md5 decides
        whether it is reported as the published weights).
    device : str or torch.device or None, optional
        Where to put the model. None: CUDA when available, else CPU.

    Returns
    -------
    model : Beluga
        Takes float (N, 4, 2000) A, C, G, T one-hot, returns (N, 2002) logits.
    info : WeightsInfo
        Provenance; ``info.label`` belongs in every figure title.

    Raises
    ------
    ChecksumError
        If the cached or downloaded published file fails its md5 check.
    ValueError
        If a given file is missing, unreadable or not a Beluga state dict,
        ``weights`` is an unknown keyword, or ``device`` is not a usable
        device (see :func:`~tism_tutorial.validate.resolve_device`).

    Warns
    -----
    UserWarning
        With ``"auto"``, when the weights are not cached and the network is
        unreachable (the untrained fallback is returned).
    """
    device = resolve_device(device)
    name = "deepsea.beluga.pth"
    expected_md5 = REGISTRY[name][1].split(":")[1]
    if isinstance(weights, str) and weights == "untrained":
        model = untrained_beluga()
        info = WeightsInfo("untrained", None, None,
                           f"UNTRAINED Beluga (random He-initialised weights, seed {UNTRAINED_SEED}; "
                           "not Beluga's predictions)")
    elif isinstance(weights, str) and weights == "auto":
        path = fetch(name)
        if path is None:
            warnings.warn("Beluga's weights are not cached and the network is unreachable: using an "
                          "UNTRAINED Beluga (random weights). Results show the method, not Beluga's biology.",
                          stacklevel=2)
            model = untrained_beluga()
            info = WeightsInfo("untrained", None, None,
                               "UNTRAINED Beluga (offline fallback, random He-initialised weights, "
                               f"seed {UNTRAINED_SEED}; not Beluga's predictions)")
        else:
            model, info = _load_file(path, expected_md5)
    else:
        path = Path(weights).expanduser()
        if isinstance(weights, str) and not path.suffix and not path.exists():
            raise ValueError(f"weights must be 'auto', 'untrained' or a path to a state dict, got {weights!r}")
        if not path.is_file():
            raise ValueError(f"weights file {path} does not exist")
        model, info = _load_file(path, expected_md5)
    return model.to(device).eval(), info


def target_names() -> list[str]:
    """The 2,002 Beluga target names, e.g. ``"H1-hESC_JunD_None"`` for target 267.

    Downloaded and sha256-checked like the weights (Kipoi's
    ``predictor_names.txt``). Offline without a cached copy, returns
    ``"track 0"`` ... ``"track 2001"`` with a warning.

    Returns
    -------
    list of str
        2,002 names, in Beluga's output order.

    Raises
    ------
    ChecksumError
        If the cached or downloaded file fails its sha256 check.
    ValueError
        If the file does not list 2,002 names (only possible if
        :data:`REGISTRY` is changed).
    """
    path = fetch("beluga_target_names.txt")
    if path is None:
        warnings.warn("Beluga's target names are not cached and the network is unreachable: "
                      "using 'track <index>' names.", stacklevel=2)
        return [f"track {i}" for i in range(N_TARGETS)]
    names = path.read_text().splitlines()
    if len(names) != N_TARGETS:  # cannot happen for the pinned hash; guards a changed registry
        raise ValueError(f"{path} lists {len(names)} names, expected {N_TARGETS}")
    return names
