"""Options shared by the ``qedm`` commands: the same name means the same thing everywhere.

* ``--model {bc2,secluded}``: the model family; ``--species``: the BC2 species; ``--ratio``: the
  family's mass ratio (BC2 m_A / m_chi, secluded m_chi / m_ZD); ``--delta``: BC2 pseudo-Dirac
  Delta / m_chi.
* ``--m-chi``: DM masses in GeV, ``0.1,1`` or ``0.1 1``; ``--m-min --m-max --n``: a log-spaced range.
* ``--quiet``, ``--no-cache``, ``--cache-dir``: output and the compilation cache.

Old spellings stay for one release as deprecated aliases (``--masses``, ``--model <species>``,
``--no-progress``), with a warning (``resolve_aliases``).
"""

from __future__ import annotations

import argparse
import warnings

from ..models.bc2 import SPECIES
from ..models.family import FAMILIES

__all__ = ["floats", "add_common", "add_model", "add_masses", "add_grid", "masses_of", "family_of", "resolve_aliases"]


class DeprecatedOption(UserWarning):
    """An old option spelling (kept for one release)."""


def floats(text: str) -> list[float]:
    """argparse ``type`` of list options: numbers separated by commas and/or spaces.

    Args:
        text: one command-line word, e.g. ``"0.1,1"`` or ``"0.1"``.

    Returns:
        The numbers as floats, in order (empty for a blank word); an option with ``nargs="+"``
        gives a list of such lists (``masses_of`` flattens it).

    Raises:
        argparse.ArgumentTypeError: a field that ``float()`` rejects (argparse turns it into the
            one-line usage error, exit status 2).
    """
    try:
        return [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas or spaces; got {text!r}") from None


def add_common(p: argparse.ArgumentParser) -> None:
    """``--quiet``, ``--no-cache``, ``--cache-dir`` (every command).

    Args:
        p: the (sub)command parser; the options are added to it in place.

    Returns:
        None.

    Raises:
        argparse.ArgumentError: ``p`` already has one of these options.
    """
    p.add_argument("--quiet", action="store_true", help="no progress bar or progress lines")
    p.add_argument("--no-cache", action="store_true",
                   help="do not use the persistent compilation cache (also: QEDM_CACHE_DIR=off)")
    p.add_argument("--cache-dir", default=None,
                   help="folder of the persistent compilation cache (default $QEDM_CACHE_DIR, else "
                   "$XDG_CACHE_HOME/qedm_jax/jax or ~/.cache/qedm_jax/jax)")


def add_model(p: argparse.ArgumentParser, default: str, ratio_nargs: str | None = None,
              families=FAMILIES, secluded_ratio: str = "10") -> None:
    """``--model``, ``--species``, ``--ratio`` (``secluded_ratio``: its default in the help),
    ``--delta``.

    ``--model`` also accepts the BC2 species names (the deprecated spelling of ``--model bc2
    --species S``, mapped by ``resolve_aliases``); the help lists only ``families``. Every option
    but ``--model`` defaults to None (the API then uses the family's default).

    Args:
        p: the (sub)command parser; the options are added to it in place.
        default: default of ``--model``, one of ``families``.
        ratio_nargs: argparse ``nargs`` of ``--ratio`` (e.g. ``"+"`` for several ratios); None: one
            value.
        families: the family names offered by ``--model``.
        secluded_ratio: the secluded default ratio as shown in the help text only.

    Returns:
        None.

    Raises:
        argparse.ArgumentError: ``p`` already has one of these options.
    """
    choices = tuple(families) + tuple(SPECIES)  # species: deprecated spelling of --model bc2 --species S
    p.add_argument("--model", default=default, choices=choices, metavar="{" + ",".join(families) + "}",
                   help=f"model family: bc2 (invisible dark photon) or secluded (seed 003) (default {default})")
    p.add_argument("--species", choices=SPECIES, default=None, help="BC2 DM species (default dirac)")
    kwargs = {"nargs": ratio_nargs} if ratio_nargs else {}
    p.add_argument("--ratio", type=float, default=None, metavar="R", **kwargs,
                   help=f"mass ratio: bc2 m_A / m_chi (default 3), secluded m_chi / m_ZD (default {secluded_ratio})"
                   + (" (several values allowed)" if ratio_nargs else ""))
    p.add_argument("--delta", type=float, default=None, help="bc2 pseudo-dirac: Delta / m_chi (default 0.1)")


def add_masses(p: argparse.ArgumentParser, what: str = "") -> None:
    """``--m-chi`` (list) or ``--m-min --m-max --n`` (log-spaced range); ``--masses`` deprecated.

    Args:
        p: the (sub)command parser; the options are added to it in place.
        what: the default mass list in words, appended to the ``--m-chi`` help ("": nothing).

    Returns:
        None.

    Raises:
        argparse.ArgumentError: ``p`` already has one of these options.
    """
    p.add_argument("--m-chi", type=floats, nargs="+", default=None, metavar="M",
                   help="DM masses [GeV], as 0.1,1 or 0.1 1" + (f" ({what})" if what else ""))
    p.add_argument("--masses", type=floats, nargs="+", default=None, help=argparse.SUPPRESS)
    p.add_argument("--m-min", type=float, default=None, help="lowest mass of a log-spaced range [GeV]")
    p.add_argument("--m-max", type=float, default=None, help="highest mass of the range [GeV]")
    p.add_argument("--n", type=int, default=None, help="number of masses in the range, >= 1")


def add_grid(p: argparse.ArgumentParser, grid_defaults) -> None:
    """Options of the (alpha_D, epsilon) relic grids (``qedm contour``, ``qedm floor``).

    ``--alpha-d-range``, ``--n-alpha``, ``--epsilon-range``, ``--n-epsilon``, ``--max-steps`` and
    ``--chunk``; the defaults are read from ``grid_defaults`` (``--alpha-d-range`` and ``--chunk``
    default to None). Values are checked by the API (``GridSettings.check``), not here.

    Args:
        p: the (sub)command parser; the options are added to it in place.
        grid_defaults: ``qedm_jax.relic.contour.GridSettings`` (``n_alpha``, ``epsilon_range``,
            ``n_epsilon``, ``max_steps`` are used).

    Returns:
        None.

    Raises:
        argparse.ArgumentError: ``p`` already has one of these options.
        AttributeError: ``grid_defaults`` lacks one of the fields above.
    """
    p.add_argument("--alpha-d-range", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                   help="alpha_D range of every grid (default per mass: the family's default_alpha_range, "
                   "freeze-in to 1.25 x the estimated alpha_D^TF)")
    p.add_argument("--n-alpha", type=int, default=grid_defaults.n_alpha, help="alpha_D points (default %(default)s)")
    p.add_argument("--epsilon-range", type=float, nargs=2, default=grid_defaults.epsilon_range, metavar=("LO", "HI"),
                   help="photon-like epsilon range (default %(default)s)")
    p.add_argument("--n-epsilon", type=int, default=grid_defaults.n_epsilon,
                   help="epsilon points (default %(default)s)")
    p.add_argument("--max-steps", type=int, default=grid_defaults.max_steps,
                   help="ODE step limit per solve (default %(default)s)")
    p.add_argument("--chunk", type=int, default=None, help="points per compiled call (default: the grid, at most 256)")


def _warn(message: str) -> None:
    warnings.warn(message, DeprecatedOption, stacklevel=3)


def resolve_aliases(args) -> None:
    """Map the deprecated spellings onto the current options, with a warning each.

    ``--model <species>`` becomes ``--model bc2 --species <species>``, ``--masses`` becomes
    ``--m-chi``, ``--no-progress`` sets ``--quiet``; each emits a ``DeprecatedOption`` warning.
    Attributes a command does not have are skipped.

    Args:
        args: the parsed ``argparse.Namespace``; changed in place.

    Returns:
        None.

    Raises:
        ValueError: ``--model <species>`` together with a different ``--species``, or ``--masses``
            together with ``--m-chi``.
    """
    if getattr(args, "model", None) in SPECIES:
        if args.species not in (None, args.model):
            raise ValueError(f"--model {args.model} (deprecated species spelling) conflicts with --species {args.species}")
        _warn(f"--model {args.model} is deprecated: use --model bc2 --species {args.model}")
        args.species, args.model = args.model, "bc2"
    if getattr(args, "masses", None) is not None:
        if args.m_chi is not None:
            raise ValueError("give --m-chi only (--masses is its deprecated spelling)")
        _warn("--masses is deprecated: use --m-chi (0.1,1 or 0.1 1)")
        args.m_chi, args.masses = args.masses, None
    if getattr(args, "no_progress", False):
        _warn("--no-progress is deprecated: use --quiet")
        args.quiet = True


def masses_of(args):
    """The ``--m-chi`` values (flattened), or None.

    Args:
        args: the parsed ``argparse.Namespace`` of a command with ``add_masses``.

    Returns:
        The masses [GeV] as a flat list of floats, in command-line order, or None when
        ``--m-chi`` was not given (unchecked: the API validates them).

    Raises:
        AttributeError: ``args`` has no ``m_chi`` (a command without ``add_masses``).
    """
    if args.m_chi is None:
        return None
    return [v for group in args.m_chi for v in group]


def family_of(args) -> dict:
    """``make_family`` keywords of the command line (None where not given).

    Args:
        args: the parsed ``argparse.Namespace`` of a command with ``add_model``, after
            ``resolve_aliases``.

    Returns:
        ``{"model": ..., "species": ..., "delta": ...}`` (``model`` always set; ``--ratio`` is
        not included: the caller adds it).

    Raises:
        AttributeError: ``args`` lacks one of these options (a command without ``add_model``).
    """
    return {"model": args.model, "species": args.species, "delta": args.delta}
