"""The spin-up and the simulated quarters of :class:`~simulator.core.model.StrategicModel` as one compiled kernel.

The NumPy engine advances many worlds in lockstep with small NumPy calls, one Python call
chain per quarter. The kernel here does the same arithmetic in one ``numba.njit`` function, a
loop over worlds with the quarters inside, so no Python runs between quarters. It serves the
fused engine (:mod:`simulator.core.engines`), which settles and simulates sweep chunks with
it, and ``benchmarks/bench_limit.py``, which measures how far the NumPy engine is from it.

What the kernel covers: the spin-up (:func:`settle_fused`) and every simulated quarter after it
(:func:`run_fused`: shocks, context, the six agents' behaviours, desire, settlement, the EU–JPN
attribution and the recorded series), for the calibration's default structure only:

* no ablated mechanism;
* ``model.threat_union_share``, ``model.desire_multiplicative_share`` and
  ``model.settlement_mean_share`` all 0 in every world, and no shock that changes them;
* no explained pair (its desire terms are not kept).

:func:`check_supported` refuses anything else with a message that names the cause.

**Compiled once per machine.** Compiling the kernel takes several seconds, which every worker
process of a sweep would pay. numba's on-disk cache (``cache=True``) keeps the compiled code,
keyed on this file's bytecode and modification stamp. The kernel also reads the vocabulary's
sizes and index tables (from :mod:`simulator.core.structure` and
:mod:`simulator.core.fused_coverage`) as compile-time constants, which that key does not see;
so :data:`LAYOUT` records a digest of every such constant, and the cache is used only while the
digest computed at import matches it. A change to the vocabulary therefore compiles afresh
until :data:`LAYOUT` is updated here (``tests/test_fused_limit.py`` says so), and updating it
changes this file, which retires the old cache. The kernel releases the GIL (``nogil``), so
that threads of one process can run chunks side by side.

numba is an optional dependency (the ``fast`` extra); it is imported only here, and nothing
on the command line's start-up path imports this module.
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np

from simulator.base.calendar import quarter_year
from simulator.core.fused_coverage import (  # the slots and the check live where numba is not imported
    _GUARANTOR,
    _MODEL,
    _NSLOTS,
    _PARTNER,
    _S_AGR,
    _S_ASSERT,
    _S_EPRATE,
    _S_HARD,
    _S_LINK,
    _S_MODEL,
    _S_PARTNER,
    _S_POWER,
    _S_PUSH,
    _S_REL,
    _S_REXP,
    _S_RISK,
    _S_RREL,
    _S_SAL,
    _S_TDEP,
    _S_USA,
    _S_USA_POWER,
    _S_VAL,
    SLOTS,
    check_supported,
)
from simulator.core.recorder import column_names
from simulator.core.state import N_TERMS, WorldState
from simulator.core.structure import (
    ACTIVITIES,
    ACTORS,
    CHALLENGERS,
    DOMAINS,
    GUARANTOR,
    HOME_THEATRE,
    MECHANISMS,
    OBSERVERS,
    PAIRS,
    PARTNERS,
    RISKS,
    THEATRE_ALLY,
    THEATRES,
    WESTERN_PAIRS,
    pair_name,
)

if TYPE_CHECKING:
    from simulator.core.model import StrategicModel
    from simulator.core.parameters import Structure


# The kernel hard-codes the actor layout; fail at import if the vocabulary ever changes.
assert ACTORS[: len(PARTNERS)] == PARTNERS and ACTORS[len(PARTNERS)] == GUARANTOR
assert (*PARTNERS, GUARANTOR) == OBSERVERS and ACTORS[len(OBSERVERS) :] == CHALLENGERS
assert [THEATRES.index(HOME_THEATRE[p]) for p in PARTNERS] == list(range(len(PARTNERS)))
assert [PARTNERS.index(THEATRE_ALLY[t]) for t in THEATRES] == list(range(len(THEATRES)))

_D, _A, _K, _O, _P, _R = len(DOMAINS), len(ACTIVITIES), len(CHALLENGERS), len(OBSERVERS), len(PARTNERS), len(RISKS)
_N, _T, _M = len(ACTORS), len(THEATRES), N_TERMS
_NPAIRS = len(PAIRS)
_MIL, _COER = ACTIVITIES.index("military"), ACTIVITIES.index("coercion")
_RUS, _CHN, _PRK = CHALLENGERS.index("RUS"), CHALLENGERS.index("CHN"), CHALLENGERS.index("PRK")
_USA = ACTORS.index(GUARANTOR)
_HEAD = PAIRS.index("EU_JPN")
_TERM = {name: i for i, name in enumerate(MECHANISMS[:N_TERMS])}
_T_COMMON, _T_FEAR, _T_VALUES, _T_CAP = (
    _TERM["common_threat"],
    _TERM["abandonment_fear"],
    _TERM["values"],
    _TERM["capability"],
)
_T_CONS, _T_EXPO, _T_DEF, _T_RIV = _TERM["constraints"], _TERM["exposure"], _TERM["deference"], _TERM["rivalry"]

_PAIR = np.full((_N, _N), -1, dtype=np.int64)
for _i, _a in enumerate(ACTORS):
    for _j, _b in enumerate(ACTORS):
        if _i != _j:
            _PAIR[_i, _j] = PAIRS.index(pair_name(_a, _b))
_FIRST = np.array([ACTORS.index(p.split("_")[0]) for p in PAIRS], dtype=np.int64)
_SECOND = np.array([ACTORS.index(p.split("_")[1]) for p in PAIRS], dtype=np.int64)
_WEST = np.array([PAIRS.index(p) for p in WESTERN_PAIRS], dtype=np.int64)

_NP = len(_PARTNER)
(
    _M_FLOOR,
    _M_RISE,
    _M_DECAY,
    _M_BRAKE,
    _M_ICPT,
    _M_TMEM,
    _M_AADJ,
    _M_ANOISE,
    _M_EPSIZE,
    _M_SREC,
    _M_CDEPTH,
    _M_SADJ,
    _M_CADJ,
    _M_SREF,
    _M_WVAL,
    _M_WCAP,
    _M_WRIV,
    _M_WCOM,
    _M_WABAN,
    _M_WDEF,
    _M_WALL,
    _M_WCON,
    _M_WEXP,
    _M_WCA,
) = (_S_MODEL + i for i in range(len(_MODEL)))
(
    _P_TECH,
    _P_STAB,
    _P_CRATE,
    _P_REL,
    _P_BASE,
    _P_DEC,
    _P_PSTART,
    _P_PSTARTY,
    _P_PEND,
    _P_PENDY,
    _P_TRESP,
    _P_HRESP,
    _P_FCAP,
    _P_RTHR,
    _P_RFEAR,
    _P_DEFER,
    _P_CONS,
    _P_ENTR,
) = range(_NP)
_G_CEU, _G_CIP, _G_TRESP, _G_BSENS, _G_BDEM, _G_BDEMIP = (_S_USA + i for i in range(len(_GUARANTOR)))
_V = len(column_names())

LAYOUT = "82e7ebb6298270c607e71050f8e9b34f7d98cbd03031d04ddf0018e9ade8f90f"
"""Digest of the kernel's compile-time constants when its cache was last vouched for (:func:`layout_digest`)."""


def layout_digest() -> str:
    """SHA-256 of every module-level constant the kernel reads, with the slot and column names.

    The names are those the kernel's code loads (``co_names``) that this module defines. Modules
    and numba functions of this file are passed over (a change to those changes this file, which
    numba sees); integers, floats, numpy scalars and arrays, and tuples of them, are digested;
    anything else stops the import with an error, so that the digest can never silently miss a
    constant.
    """
    kernel = globals()["_quarters"]
    code = getattr(kernel, "py_func", kernel).__code__
    digest = hashlib.sha256()
    scalar = bool | int | float | str | np.generic
    for name in sorted(set(code.co_names) & set(globals())):
        value = globals()[name]
        if isinstance(value, types.ModuleType | numba.core.registry.CPUDispatcher):
            continue
        if isinstance(value, scalar) or (isinstance(value, tuple) and all(isinstance(v, scalar) for v in value)):
            digest.update(f"{name}={value!r};".encode())
        elif isinstance(value, np.ndarray):
            digest.update(f"{name}:{value.dtype}{value.shape}=".encode() + value.tobytes())
        else:
            raise TypeError(f"the fused kernel reads {name}, a {type(value).__name__} the layout digest cannot cover")
    digest.update(("|".join(SLOTS) + "|" + "|".join(column_names())).encode())
    return digest.hexdigest()


@numba.njit(inline="always")
def _clip(x: float, low: float, high: float) -> float:
    """``np.clip`` of one number: ``min(max(x, low), high)``."""
    return min(max(x, low), high)


def _quarters(  # one long function on purpose: the single kernel is what is measured
    base: np.ndarray,
    column: np.ndarray,
    has_path: np.ndarray,
    years: np.ndarray,
    tracks: np.ndarray,
    effects: np.ndarray,
    effect_values: np.ndarray,
    noise: np.ndarray,
    uniforms: np.ndarray,
    crisis_uniforms: np.ndarray,
    activity: np.ndarray,
    threat: np.ndarray,
    overall: np.ndarray,
    containment: np.ndarray,
    commitment: np.ndarray,
    spending: np.ndarray,
    stability: np.ndarray,
    coop: np.ndarray,
    desire: np.ndarray,
    headline: np.ndarray,
    episodes: np.ndarray,
    crises: np.ndarray,
    series: np.ndarray,
    contributions: np.ndarray,
    settle: bool,
    counts: np.ndarray,
    settle_year: float,
) -> None:
    """Advance every world through its quarters, updating the state arrays in place.

    Two modes, one arithmetic. Simulating (``settle`` False, :func:`run_fused`): ``horizon``
    quarters with shocks, random draws, attribution and the recorded series. Settling
    (``settle`` True, :func:`settle_fused`): world ``w`` runs ``counts[w]`` spin-up quarters
    with the base parameters, the calendar frozen at ``settle_year``, the expected episode jump
    and crisis loss instead of draws (the mean-field step of docs/ODD.md §3.3), and nothing
    recorded or attributed; the shock and draw arguments are then not read.
    """
    n_worlds = base.shape[0]
    horizon = years.shape[0]
    n_effects = effects.shape[0]
    row = np.empty(base.shape[1])
    q = np.empty(_NSLOTS)
    level = np.empty(_NPAIRS)
    align = np.zeros((_K, _K))
    aim = np.empty((_D, _K))
    share = np.empty((_D, _K))
    contained = np.empty(_K)
    common = np.zeros((_O, _O, _D))
    capability = np.empty(_N)
    hostility = np.zeros((_N, _N))
    shared = np.empty(_A)
    risks = np.empty(_R)
    terms = np.zeros((_N, _M, _N, _D))
    n_activity = np.empty((_K, _A))
    n_threat = np.empty((_O, _K, _A))
    n_overall = np.empty((_O, _K))
    n_commitment = np.empty(_T)
    n_spending = np.empty(_P)
    n_stability = np.empty(_P)
    n_coop = np.empty((_NPAIRS, _D))
    n_desire = np.zeros((_N, _N, _D))
    fear = np.empty(_P)
    constraint = np.empty(_D)
    exposure = np.empty(_D)
    shortfall = np.empty(_T)
    for w in range(n_worlds):
        steps = counts[w] if settle else horizon + 1
        for step in range(steps):
            if settle:
                for i in range(_NSLOTS):
                    q[i] = base[w, column[i]]
                year = settle_year
                t = 0
            elif step > 0:
                t = step - 1
                # -- 1. shocks: the parameters in force (ShockSchedule.effective) --
                for c in range(base.shape[1]):
                    row[c] = base[w, c]
                for e in range(n_effects):
                    tr = int(effects[e, 0])
                    onset, magnitude, ramp = tracks[tr, 0, w], tracks[tr, 1, w], tracks[tr, 2, w]
                    duration, decay = tracks[tr, 3, w], tracks[tr, 4, w]
                    qq = step - onset
                    full_end = ramp + duration
                    if qq < 0:
                        s = 0.0
                    elif qq < ramp:
                        s = (qq + 1) / (ramp + 1)
                    elif qq < full_end:
                        s = 1.0
                    elif qq < full_end + decay:
                        s = 1.0 - (qq - full_end + 1) / (decay + 1)
                    else:
                        s = 0.0
                    strength = magnitude * s
                    target = int(effects[e, 1])
                    op = int(effects[e, 2])
                    value, low, high = effect_values[e, 0], effect_values[e, 1], effect_values[e, 2]
                    current = row[target]
                    if op == 0:
                        updated = current + value * strength
                    elif op == 1:
                        updated = current * (1.0 + (value - 1.0) * strength)
                    else:
                        updated = current + (value - current) * strength
                    if updated == np.inf:
                        updated = high
                    elif updated == -np.inf:
                        updated = low
                    row[target] = updated
                for e in range(n_effects):
                    target = int(effects[e, 1])
                    row[target] = min(max(row[target], effect_values[e, 1]), effect_values[e, 2])
                for i in range(_NSLOTS):
                    q[i] = row[column[i]]
                year = years[t]
            if settle or step > 0:
                # -- 2. context: shared readings of the state at t (Context.read) --
                for p in range(_NPAIRS):
                    total = 0.0
                    for d in range(_D):
                        total += coop[w, p, d]
                    level[p] = total / _D
                for i in range(_K):
                    for j in range(_K):
                        align[i, j] = level[_PAIR[_O + i, _O + j]] if i != j else 0.0
                for d in range(_D):
                    total = 0.0
                    for k in range(_K):
                        x = 0.0
                        for a in range(_A):
                            x += q[_S_REL + d * _A + a] * activity[w, k, a]
                        aim[d, k] = x
                        total += x
                    for k in range(_K):
                        share[d, k] = aim[d, k] / max(total, 1e-12)
                for k in range(_K):
                    x = 0.0
                    for pi in range(_WEST.shape[0]):
                        for d in range(_D):
                            x += coop[w, _WEST[pi], d] * share[d, k]
                    contained[k] = min(_K * (x / (_WEST.shape[0] * _D)), 1.0)
                for a_ in range(_O):
                    for b_ in range(a_ + 1, _O):
                        for ch in range(_A):
                            prod = 1.0
                            for k in range(_K):
                                prod *= 1.0 - min(threat[w, a_, k, ch], threat[w, b_, k, ch])
                            shared[ch] = 1.0 - prod
                        for r in range(_R):
                            risks[r] = q[_S_RISK + r] * min(q[_S_REXP + a_ * _R + r], q[_S_REXP + b_ * _R + r])
                        for d in range(_D):
                            num1 = 0.0
                            den1 = 0.0
                            for ch in range(_A):
                                num1 += q[_S_REL + d * _A + ch] * shared[ch]
                                den1 += q[_S_REL + d * _A + ch]
                            num2 = 0.0
                            den2 = 0.0
                            for r in range(_R):
                                num2 += q[_S_RREL + d * _R + r] * risks[r]
                                den2 += q[_S_RREL + d * _R + r]
                            value = (num1 + num2) / max(den1 + den2, 1e-12)
                            common[a_, b_, d] = value
                            common[b_, a_, d] = value
                reference = max(q[_M_SREF], 1e-9)
                for p in range(_P):
                    part = min(spending[w, p] / reference, 1.0)
                    capability[p] = 0.5 * q[_S_PARTNER + p * _NP + _P_TECH] + 0.5 * part
                capability[_USA] = q[_S_USA_POWER]
                for k in range(_K):
                    capability[_O + k] = q[_S_POWER + k]
                for o in range(_O):
                    for k in range(_K):
                        hostility[o, _O + k] = overall[w, o, k]
                        hostility[_O + k, o] = contained[k]
                # -- 3. challengers: activity, episodes (Challenger.act) --
                for k in range(_K):
                    pushback = q[_S_PUSH + k]
                    adjust, noise_sd, size = q[_M_AADJ], q[_M_ANOISE], q[_M_EPSIZE]
                    for a in range(_A):
                        cur = activity[w, k, a]
                        tgt = _clip(q[_S_ASSERT + k * _A + a] * (1.0 + pushback * contained[k]), 0.0, 1.0)
                        moved = _clip(cur + adjust * (tgt - cur), 0.0, 1.0)
                        chance = _clip(q[_S_EPRATE + k * _A + a] * (0.5 + cur), 0.0, 1.0)
                        if settle:  # no draws: the expected episode jump
                            n_activity[k, a] = _clip(moved + chance * size * (1.0 - moved), 0.0, 1.0)
                            episodes[w, k, a] = False
                            continue
                        room = min(moved, 1.0 - moved)
                        spread = min(noise_sd, room / 2.0)
                        moved = _clip(moved + spread * _clip(noise[t, w, k, a], -2.0, 2.0), 0.0, 1.0)
                        hit = uniforms[t, w, k, a] < chance
                        if hit:
                            moved = moved + size * (1.0 - moved)
                        n_activity[k, a] = _clip(moved, 0.0, 1.0)
                        episodes[w, k, a] = hit
                # -- 4. observers: threat readings (ThreatObserver.perceive_threats) --
                memory = q[_M_TMEM]
                for o in range(_O):
                    linkage = q[_S_LINK + o]
                    for k in range(_K):
                        sp = q[_S_SAL + o * _K + k] * q[_S_POWER + k]
                        strongest = -np.inf
                        for a in range(_A):
                            linked = 0.0
                            for m in range(_K):
                                linked += align[k, m] * threat[w, o, m, a]
                            tgt = _clip(sp * activity[w, k, a] + linkage * linked, 0.0, 1.0)
                            value = memory * threat[w, o, k, a] + (1.0 - memory) * tgt
                            n_threat[o, k, a] = value
                            strongest = max(strongest, value)
                        n_overall[o, k] = strongest
                # -- 5. partners: spending, stability; guarantor: commitment --
                for p in range(_P):
                    s0 = _S_PARTNER + p * _NP
                    fear[p] = q[s0 + _P_REL] * (1.0 - commitment[w, p])
                    if has_path[p]:
                        base_, start, end = q[s0 + _P_BASE], q[s0 + _P_PSTART], q[s0 + _P_PEND]
                        dec, start_y, end_y = q[s0 + _P_DEC], q[s0 + _P_PSTARTY], q[s0 + _P_PENDY]
                        if year < start_y:
                            floor = base_ + (start - base_) * _clip((year - dec) / max(start_y - dec, 1e-9), 0.0, 1.0)
                        else:
                            floor = start + (end - start) * _clip(
                                (year - start_y) / max(end_y - start_y, 1e-9), 0.0, 1.0
                            )
                        wanted_base, ref_threat, ref_fear = floor, q[s0 + _P_RTHR], q[s0 + _P_RFEAR]
                    else:
                        floor, wanted_base, ref_threat, ref_fear = 0.0, q[s0 + _P_BASE], 0.0, 0.0
                    strongest = -np.inf
                    for k in range(_K):
                        strongest = max(strongest, overall[w, p, k])
                    extra_threat = max(strongest - ref_threat, 0.0)
                    extra_fear = max(fear[p] - ref_fear, 0.0)
                    wanted = wanted_base + q[s0 + _P_TRESP] * extra_threat + q[s0 + _P_HRESP] * extra_fear
                    tgt = min(max(wanted, floor), max(q[s0 + _P_FCAP], floor))
                    cur = spending[w, p]
                    n_spending[p] = max(cur + q[_M_SADJ] * (tgt - cur), floor)
                    cur = stability[w, p]
                    recovered = cur + q[_M_SREC] * (q[s0 + _P_STAB] - cur)
                    if settle:  # no draws: the expected crisis loss
                        n_stability[p] = _clip(recovered * (1.0 - q[s0 + _P_CRATE] * q[_M_CDEPTH]), 0.0, 1.0)
                        crises[w, p] = False
                        continue
                    crisis = crisis_uniforms[t, w, p] < q[s0 + _P_CRATE]
                    if crisis:
                        recovered = recovered * (1.0 - q[_M_CDEPTH])
                    n_stability[p] = _clip(recovered, 0.0, 1.0)
                    crises[w, p] = crisis
                europe = overall[w, _USA, _RUS]
                indo = 1.0 - (1.0 - overall[w, _USA, _CHN]) * (1.0 - overall[w, _USA, _PRK])
                for th in range(_T):
                    demand = q[_G_BDEM] if th == 0 else q[_G_BDEMIP]
                    shortfall[th] = _clip((demand - spending[w, th]) / max(demand, 1e-9), 0.0, 1.0)
                    baseline = q[_G_CEU] if th == 0 else q[_G_CIP]
                    theatre_threat = europe if th == 0 else indo
                    raw = baseline + q[_G_TRESP] * theatre_threat - q[_G_BSENS] * shortfall[th]
                    tgt = _clip(raw, 0.0, 1.0)
                    n_commitment[th] = commitment[w, th] + q[_M_CADJ] * (tgt - commitment[w, th])
                # -- 6. desire terms of every actor toward every other (Actor.term_parts) --
                terms[:] = 0.0
                for i in range(_N):
                    for j in range(_N):
                        if j == i:
                            continue
                        pij = _PAIR[i, j]
                        v_val = q[_M_WVAL] * q[_S_VAL + pij]
                        v_cap = q[_M_WCAP] * capability[j]
                        v_riv = -q[_M_WRIV] * hostility[i, j]
                        for d in range(_D):
                            terms[i, _T_VALUES, j, d] = v_val
                            terms[i, _T_CAP, j, d] = v_cap
                            terms[i, _T_RIV, j, d] = v_riv
                for o in range(_O):  # common threat among observers
                    for o2 in range(_O):
                        if o2 != o:
                            for d in range(_D):
                                terms[o, _T_COMMON, o2, d] = q[_M_WCOM] * common[o, o2, d]
                for p in range(_P):
                    s0 = _S_PARTNER + p * _NP
                    other = 1 - p
                    gap = _clip(level[_PAIR[p, _USA]] - level[_PAIR[other, _USA]], 0.0, 1.0)
                    v_fear = q[_M_WABAN] * fear[p]
                    v_def = -q[_M_WDEF] * (q[s0 + _P_DEFER] * gap)
                    v_all = q[_M_WALL] * commitment[w, p]
                    instability = 1.0 - stability[w, p]
                    entrap = 0.0  # Partner.entrapment toward the other partner, then toward the guarantor
                    entrap_usa = 0.0
                    for k in range(_K):
                        entrap = max(entrap, _clip(threat[w, other, k, _MIL] - threat[w, p, k, _MIL], 0.0, 1.0))
                        entrap_usa = max(entrap_usa, _clip(threat[w, _USA, k, _MIL] - threat[w, p, k, _MIL], 0.0, 1.0))
                    for d in range(_D):
                        hard = q[_S_HARD + d]
                        constraint[d] = q[s0 + _P_CONS] * hard + instability * hard
                        x = 0.0
                        for k in range(_K):
                            leverage = 0.5 + 0.5 * activity[w, k, _COER]
                            x += share[d, k] * (q[_S_TDEP + p * _K + k] * leverage)
                        exposure[d] = x
                    for d in range(_D):
                        hard = q[_S_HARD + d]
                        terms[p, _T_FEAR, other, d] = v_fear
                        terms[p, _T_DEF, other, d] = v_def
                        terms[p, _T_FEAR, _USA, d] = v_all
                        terms[p, _T_CONS, other, d] = -q[_M_WCON] * (constraint[d] + q[s0 + _P_ENTR] * hard * entrap)
                        terms[p, _T_CONS, _USA, d] = -q[_M_WCON] * (constraint[d] + q[s0 + _P_ENTR] * hard * entrap_usa)
                        for k in range(_K):
                            terms[p, _T_CONS, _O + k, d] = -q[_M_WCON] * constraint[d]
                        v_exp = -q[_M_WEXP] * exposure[d]
                        terms[p, _T_EXPO, other, d] = v_exp
                        terms[p, _T_EXPO, _USA, d] = v_exp
                for p in range(_P):  # the guarantor toward each partner
                    for d in range(_D):
                        terms[_USA, _T_FEAR, p, d] = q[_M_WALL] * commitment[w, p]
                        terms[_USA, _T_CONS, p, d] = -q[_M_WCON] * (shortfall[p] * q[_G_BSENS])
                for k in range(_K):  # challengers' alignment against shared containment
                    for m in range(_K):
                        if m != k:
                            together = q[_M_WCA] * min(contained[k], contained[m])
                            for d in range(_D):
                                terms[_O + k, _T_COMMON, _O + m, d] = together * q[_S_HARD + d]
                intercept = q[_M_ICPT]
                for i in range(_N):
                    for j in range(_N):
                        for d in range(_D):
                            if j == i:
                                n_desire[i, j, d] = 0.0
                                continue
                            x = 0.0
                            for m in range(_M):
                                x += terms[i, m, j, d]
                            n_desire[i, j, d] = _clip(intercept + x, 0.0, 1.0)
                for m in range(_M):
                    for d in range(_D):
                        headline[w, 0, m, d] = terms[0, m, 1, d]
                        headline[w, 1, m, d] = terms[1, m, 0, d]
                # -- 7. settlement toward the lower desire, and the EU–JPN attribution --
                rise, decay, brake = q[_M_RISE], q[_M_DECAY], q[_M_BRAKE]
                for p in range(_NPAIRS):
                    agreement = q[_S_AGR + p]
                    slowed = decay * (1.0 - brake * agreement)
                    for d in range(_D):
                        first = n_desire[_FIRST[p], _SECOND[p], d]
                        second = n_desire[_SECOND[p], _FIRST[p], d]
                        tgt = min(first, second)
                        cur = coop[w, p, d]
                        rising = tgt > cur
                        rate = rise if rising else slowed
                        moved = (tgt - cur) * rate + cur
                        floor = q[_M_FLOOR] * agreement * (1.0 - q[_S_HARD + d])
                        new = _clip(max(moved, floor), 0.0, 1.0)
                        n_coop[p, d] = new
                        if p == _HEAD and not settle:
                            r0 = rise if rising else decay
                            side = 0 if first <= second else 1
                            x = 0.0
                            for m in range(_M):
                                term = headline[w, side, m, d]
                                x += term
                                contributions[w, m, d] = r0 * term
                            unclipped = intercept + x
                            contributions[w, _M, d] = r0 * (tgt - unclipped + intercept - cur)
                            contributions[w, _M + 1, d] = (rate - r0) * (tgt - cur) + (new - moved)
                # -- 8. the new state replaces the old --
                for k in range(_K):
                    containment[w, k] = contained[k]
                    for a in range(_A):
                        activity[w, k, a] = n_activity[k, a]
                for o in range(_O):
                    for k in range(_K):
                        overall[w, o, k] = n_overall[o, k]
                        for a in range(_A):
                            threat[w, o, k, a] = n_threat[o, k, a]
                for th in range(_T):
                    commitment[w, th] = n_commitment[th]
                for p in range(_P):
                    spending[w, p] = n_spending[p]
                    stability[w, p] = n_stability[p]
                for p in range(_NPAIRS):
                    for d in range(_D):
                        coop[w, p, d] = n_coop[p, d]
                for i in range(_N):
                    for j in range(_N):
                        for d in range(_D):
                            desire[w, i, j, d] = n_desire[i, j, d]
            # -- recorded series of the state after ``step`` (recorder column order) --
            if settle:
                continue
            c = 0
            for p in range(_NPAIRS):
                total = 0.0
                for d in range(_D):
                    total += coop[w, p, d]
                series[step, c, w] = total / _D
                c += 1
            for d in range(_D):
                series[step, c, w] = coop[w, _HEAD, d]
                c += 1
            for i, j in ((0, 1), (1, 0)):
                total = 0.0
                for d in range(_D):
                    total += desire[w, i, j, d]
                series[step, c, w] = total / _D
                c += 1
            for o in range(_O):
                for k in range(_K):
                    series[step, c, w] = overall[w, o, k]
                    c += 1
            for k in range(_K):
                series[step, c, w] = containment[w, k]
                c += 1
            for k in range(_K):
                for a in range(_A):
                    series[step, c, w] = activity[w, k, a]
                    c += 1
            for th in range(_T):
                series[step, c, w] = commitment[w, th]
                c += 1
            for p in range(_P):
                series[step, c, w] = spending[w, p]
                c += 1
            for p in range(_P):
                series[step, c, w] = stability[w, p]
                c += 1


def _compiled(kernel: Callable[..., None]) -> Callable[..., None]:
    """``kernel`` compiled by numba, releasing the GIL, and cached on disk where that is safe and possible.

    numba refuses to cache a function it has nowhere to write (a read-only installation and no
    writable cache folder); the kernel then compiles in each process instead of failing.
    """
    try:
        return numba.njit(cache=_CACHE, nogil=True)(kernel)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True)(kernel)


IMPORTED_LAYOUT = layout_digest()
"""The digest of the kernel's constants as this module defined them."""
_CACHE = IMPORTED_LAYOUT == LAYOUT
"""Whether numba's on-disk cache may hold this kernel: only while the constants are those vouched for."""
_quarters = _compiled(_quarters)


@dataclass(frozen=True)
class FusedResult:
    """What the kernel leaves after the last quarter.

    Attributes:
        state: The final state of every world (as ``model.state`` after ``model.run()``).
        series: (horizon + 1, variables, W) every recorded series, in ``column_names()`` order
            (as ``RunResult.values``).
        contributions: (W, drivers, D) the last quarter's EU–JPN attribution (as ``model.contributions``).
    """

    state: WorldState
    series: np.ndarray
    contributions: np.ndarray


def _parameter_table(params: Mapping[str, np.ndarray], n_worlds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pack per-world parameters for the kernel.

    Returns:
        ``base`` (W, paths + 1), one column per parameter path and a last column of zeros that
        stands for absent parameters; ``column``, the column of each kernel slot; and
        ``has_path``, whether each partner has an enacted spending path (``Partner.has_enacted_path``).
    """
    paths = list(params)
    base = np.zeros((n_worlds, len(paths) + 1))
    for c, path in enumerate(paths):
        base[:, c] = params[path]
    index = {path: c for c, path in enumerate(paths)}
    column = np.array([index.get(name, len(paths)) for name in SLOTS], dtype=np.int64)
    has_path = np.array([f"{p}.spending_path_end" in params for p in PARTNERS], dtype=np.bool_)
    return base, column, has_path


def _state_arrays(state: WorldState) -> tuple[np.ndarray, ...]:
    """The state's arrays in the kernel's argument order (updated in place)."""
    return (
        state.activity,
        state.threat,
        state.overall_threat,
        state.containment,
        state.commitment,
        state.spending,
        state.stability,
        state.coop,
        state.desire,
        state.headline_terms,
        state.episodes,
        state.crises,
    )


_NO_DRAWS = np.zeros((0, 0, 0, 0))
_NO_CRISIS_DRAWS = np.zeros((0, 0, 0))


def settle_fused(model: StrategicModel, params: Mapping[str, np.ndarray], structure: Structure) -> WorldState:
    """The spin-up of the worlds of ``params`` in the kernel (:meth:`StrategicModel._settle` of the fused engine).

    Starts from the model's rough initial state and runs each world's ``model.spinup_quarters``
    deterministic quarters, as the NumPy spin-up does, to about 1e-15 of its numbers.

    Raises:
        NotCovered: if the kernel does not cover the model (:func:`check_supported`).
    """
    check_supported(model)
    n_worlds = structure.hardness.shape[0]
    base, column, has_path = _parameter_table(params, n_worlds)
    state = model.initial_state(dict(params), structure)
    counts = np.asarray(params["model.spinup_quarters"]).round().astype(np.int64)
    _quarters(
        base,
        column,
        has_path,
        np.zeros(0),
        np.zeros((1, 5, n_worlds)),
        np.zeros((0, 3), dtype=np.int64),
        np.zeros((0, 3)),
        _NO_DRAWS,
        _NO_DRAWS,
        _NO_CRISIS_DRAWS,
        *_state_arrays(state),
        np.zeros((0, _V, n_worlds)),
        np.zeros((n_worlds, len(MECHANISMS), _D)),
        True,
        counts,
        float(model.year),
    )
    return state


def run_fused(model: StrategicModel) -> FusedResult:
    """Simulate ``model``'s horizon with the compiled kernel, from its settled state.

    The model itself is not advanced: the kernel works on copies of its state. The first
    call in a process compiles the kernel, or loads it from numba's cache (see the module's
    docstring); later calls reuse it.

    Raises:
        NotCovered: if the kernel does not cover the model (:func:`check_supported`).
    """
    check_supported(model)
    base, column, has_path = _parameter_table(model.base_params, model.n_worlds)
    index = {path: c for c, path in enumerate(model.base_params)}
    horizon = model.spec.horizon
    years = np.array([quarter_year(model.spec.start + step - 1) for step in range(1, horizon + 1)])
    tracks_ = model.schedule.tracks
    tracks = np.zeros((max(len(tracks_), 1), 5, model.n_worlds))
    effect_rows, effect_values = [], []
    ops = {"add": 0, "multiply": 1}
    for n, track in enumerate(tracks_):
        tracks[n] = np.stack([track.onset, track.magnitude, track.ramp, track.duration, track.decay])
        for effect in track.shock.effects:
            low, high = model.calibration[effect.target].bounds
            effect_rows.append((n, index[effect.target], ops.get(effect.op, 2)))
            effect_values.append((float(effect.value), float(low), float(high)))
    effects = np.array(effect_rows, dtype=np.int64).reshape(-1, 3)
    values = np.array(effect_values, dtype=float).reshape(-1, 3)
    state = model.state.copy()
    series = np.zeros((horizon + 1, _V, model.n_worlds))
    contributions = np.zeros((model.n_worlds, len(MECHANISMS), _D))
    draws = model._draws  # the same pre-drawn numbers the engine's quarters read
    _quarters(
        base,
        column,
        has_path,
        years,
        tracks,
        effects,
        values,
        draws.activity_noise,
        draws.episodes,
        draws.crises,
        *_state_arrays(state),
        series,
        contributions,
        False,
        np.zeros(0, dtype=np.int64),
        0.0,
    )
    return FusedResult(state=state, series=series, contributions=contributions)
