"""Sector profiles: per-sector weight multipliers and hard needs of relocating companies.

The profiles ship as ``planner/config/data/sectors.toml`` (validated strictly: unknown keys,
unknown criteria, negative multipliers and unknown OKED targets are errors). A company is
scored with the scenario's weights times its sector's multipliers, renormalized to sum 1
(:func:`company_weights`, :func:`weights_matrix`), and filtered by its hard needs
(:func:`company_needs`, :func:`needs_arrays`):

* ``land_ha`` (``min_area_ha``): the land it asks for;
* ``rail_max_km``: a rail line, station or freight yard within this distance, when the
  company (or, if it does not say, its sector) needs rail;
* ``min_housing_km``: the sanitary protection zone of its hazard class (Kazakh classes
  I-V: 1000 / 500 / 300 / 100 / 50 m from housing);
* ``max_dist_almaty_km``: the farthest it may be from Almaty centre;
* ``allow_in_almaty``: whether a site inside the Almaty city outline is allowed.

Scenario needs (``Scenario.needs``) combine with these (see :func:`needs_arrays`).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from planner._infiles import refuse_special
from planner.config._problems import shown, toml_where, value_problem, where
from planner.config.scenarios import CRITERIA as _SCORING_CRITERIA
from planner.config.transform_check import check_transform
from planner.errors import InputError, SectorError
from planner.i18n import tr

__all__ = [
    "CRITERIA",
    "HAZARD_CLASS_HOUSING_M",
    "SECTOR_KEYS",
    "Needs",
    "SectorCatalog",
    "SectorProfile",
    "company_needs",
    "company_weights",
    "hazard_housing_km",
    "load_sectors",
    "needs_arrays",
    "normalize_oked",
    "resolve_sector",
    "scenario_for_sector",
    "sector_scenario",
    "transform_variants",
    "weights_matrix",
]

log = logging.getLogger(__name__)

#: criterion keys of the scoring contract, in the contract's order
CRITERIA: tuple[str, ...] = tuple(_SCORING_CRITERIA)

#: sector keys every catalog must define
SECTOR_KEYS: tuple[str, ...] = (
    "building_materials",
    "food",
    "paper",
    "plastics",
    "machine_building",
    "logistics",
    "pharma",
    "it",
    "chemicals",
    "light_industry",
    "agro",
    "other",
)

#: Kazakh sanitary classification: class -> sanitary protection zone from housing, metres
HAZARD_CLASS_HOUSING_M: dict[int, float] = {1: 1000.0, 2: 500.0, 3: 300.0, 4: 100.0, 5: 50.0}

_OKED_RE = re.compile(r"^\d{2}(\.\d{1,2}){0,2}$|^\d{2,5}$")


def _norm_text(value: str) -> str:
    """Key for loose matching: case-folded, ё -> е, letters and digits only."""
    return re.sub(r"[\W_]+", "", str(value).casefold().replace("ё", "е"))


def normalize_oked(code: str) -> str | None:
    """Digits of an OKED code (``"23.61"`` -> ``"2361"``), or None if it is not one.

    Accepted forms: 2-5 digits (``01``, ``0111``, ``01111``) or dotted (``01.11``,
    ``01.11.1``). Leading zeros are kept: OKED codes are text, never numbers.
    """
    text = str(code).strip()
    if not _OKED_RE.match(text):
        return None
    digits = text.replace(".", "")
    return digits if 2 <= len(digits) <= 5 else None


class SectorProfile(BaseModel):
    """One sector: titles, weight multipliers and default hard needs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = ""
    title_ru: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    #: Kazakh title and rationale (optional: a missing one falls back to Russian)
    title_kk: str = ""
    rationale_ru: str = ""
    rationale_kk: str = ""
    rationale_en: str = ""
    aliases: tuple[str, ...] = ()
    multipliers: dict[str, float] = Field(default_factory=dict)
    hazard_class: int | None = Field(default=None, ge=1, le=5)
    needs_rail: bool = False
    rail_max_km: float | None = Field(default=None, gt=0)
    allow_in_almaty: bool = False
    max_dist_almaty_km: float | None = Field(default=None, gt=0)
    #: criterion key -> the transform the sector scores it with instead of the scenario's
    #: (the scenario's weight times the multiplier stays); validated like a scenario's
    transforms: dict[str, Any] = Field(default_factory=dict)

    @field_validator("transforms", mode="before")
    @classmethod
    def _check_transforms(cls, value: Any, info: ValidationInfo) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ValueError(tr("err.sector.transforms_table"))
        sector = info.data.get("key") or "?"
        return {
            str(k): check_transform(str(k), t, f"[sectors.{sector}.transforms.{k}]")
            for k, t in value.items()
        }

    def title(self, lang: str) -> str:
        """The title in ``lang`` (ru, kk, en); a missing Kazakh title falls back to Russian."""
        return {"ru": self.title_ru, "kk": self.title_kk, "en": self.title_en}.get(
            lang, ""
        ) or self.title_ru

    @field_validator("multipliers")
    @classmethod
    def _check_multipliers(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(CRITERIA))
        if unknown:
            raise ValueError(tr("err.sector.multiplier_unknown", keys=", ".join(unknown),
                                choices=", ".join(CRITERIA)))  # fmt: skip
        bad = {k: v for k, v in value.items() if not (math.isfinite(v) and 0 <= v <= 10)}
        if bad:
            raise ValueError(tr("err.sector.multiplier_range", value=shown(bad)))
        return value

    def multiplier(self, criterion: str) -> float:
        """Multiplier of ``criterion`` (1.0 when the profile does not list it); a travel
        time (``time_rail``) takes its distance criterion's (``rail``) unless listed."""
        twin = criterion.removeprefix("time_")
        return float(self.multipliers.get(criterion, self.multipliers.get(twin, 1.0)))

    @property
    def housing_km(self) -> float:
        """Default sanitary distance from housing in km (0 when no hazard class)."""
        return hazard_housing_km(self.hazard_class)


class SectorCatalog(BaseModel):
    """All sector profiles and the OKED prefix -> sector mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    default_sector: str = "other"
    default_rail_max_km: float = Field(gt=0)
    sectors: dict[str, SectorProfile]
    oked: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _fill_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("sectors"), dict):
            data = dict(data)
            data["sectors"] = {
                k: ({**v, "key": k} if isinstance(v, dict) else v)
                for k, v in data["sectors"].items()
            }
        return data

    @model_validator(mode="after")
    def _check(self) -> SectorCatalog:
        missing = [k for k in SECTOR_KEYS if k not in self.sectors]
        if missing:
            raise ValueError(tr("err.sector.missing", keys=", ".join(missing),
                                choices=", ".join(SECTOR_KEYS)))  # fmt: skip
        if self.default_sector not in self.sectors:
            raise ValueError(tr("err.sector.default", value=self.default_sector,
                                choices=", ".join(self.sectors)))  # fmt: skip
        for prefix, target in self.oked.items():
            if normalize_oked(prefix) is None:
                raise ValueError(tr("err.sector.oked_prefix", value=prefix))
            if target not in self.sectors:
                raise ValueError(tr("err.sector.oked_target", prefix=prefix, value=target,
                                    choices=", ".join(sorted(self.sectors))))  # fmt: skip
        seen: dict[str, str] = {}
        for key, prof in self.sectors.items():
            for name in {key, prof.title_ru, prof.title_en, prof.title_kk, *prof.aliases}:
                norm = _norm_text(name)
                if not norm:
                    continue
                if seen.setdefault(norm, key) != key:
                    raise ValueError(tr("err.sector.alias_twice", alias=name, key=key,
                                        other=seen[norm]))  # fmt: skip
        return self

    # -- lookups -----------------------------------------------------------------------
    @functools.cached_property
    def _alias_index(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, prof in self.sectors.items():
            for name in (key, prof.title_ru, prof.title_en, prof.title_kk, *prof.aliases):
                if _norm_text(name):
                    out[_norm_text(name)] = key
        return out

    @functools.cached_property
    def _oked_index(self) -> dict[str, str]:
        return {normalize_oked(p): s for p, s in self.oked.items()}  # type: ignore[misc]

    def sector_for_oked(self, code: str) -> tuple[str, bool]:
        """Sector of an OKED code by its longest known prefix: ``(sector, matched)``.

        ``matched`` is False when no prefix matches (the default sector is returned).
        """
        digits = normalize_oked(code)
        if digits is None:
            raise SectorError(tr("err.sector.not_oked", value=code))
        for n in range(len(digits), 1, -1):
            hit = self._oked_index.get(digits[:n])
            if hit is not None:
                return hit, True
        return self.default_sector, False

    def lookup(self, value: str) -> str | None:
        """Sector key for a key, title or alias (case- and punctuation-insensitive)."""
        return self._alias_index.get(_norm_text(value))

    def multiplier_matrix(
        self, criteria: tuple[str, ...] | list[str]
    ) -> tuple[list[str], np.ndarray]:
        """``(sector_keys, M)`` with ``M[i, j]`` the multiplier of sector i, criterion j."""
        keys = list(self.sectors)
        mat = np.array(
            [[self.sectors[k].multiplier(c) for c in criteria] for k in keys], dtype=np.float64
        )
        return keys, mat


def load_sectors(path: str | Path | None = None) -> SectorCatalog:
    """Load and validate a sector catalog: the built-in one, or a TOML file of that shape."""
    if path is None:
        return _builtin_catalog()
    path = Path(path)
    refuse_special(path, "sector file", SectorError)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = tr("err.sector.not_utf8") if isinstance(exc, UnicodeDecodeError) else (
            exc.strerror or exc)
        raise SectorError(tr("err.sector.unreadable", file=path, reason=reason)) from exc
    return _parse_catalog(text, str(path))


@functools.lru_cache(maxsize=1)
def _builtin_catalog() -> SectorCatalog:
    src = resources.files("planner").joinpath("config", "data", "sectors.toml")
    text = src.read_text(encoding="utf-8")
    return _parse_catalog(text, "built-in sectors.toml")


def _parse_catalog(text: str, source: str) -> SectorCatalog:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SectorError(tr("err.sector.not_toml", file=source, at=toml_where(exc))) from exc
    try:
        return SectorCatalog.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise SectorError(tr("err.sector.invalid", file=source, problems=problems)) from exc


def _problem(err) -> str:
    msg = value_problem(err)
    if msg.startswith("[sectors."):  # it names its section and key itself
        return msg
    return tr("err.scenario.at", key=where(err["loc"]), problem=msg)


def resolve_sector(
    value: str | None, catalog: SectorCatalog | None = None
) -> tuple[str, str, str | None]:
    """Map a user's sector cell to ``(sector_key, oked_digits, warning)``.

    ``value`` may be a sector key, a Russian or English title or alias, or an OKED code.
    Empty -> the default sector. An OKED code with no profiled prefix -> the default sector
    and a warning. Anything else raises :class:`SectorError` listing the valid keys.
    """
    cat = catalog or load_sectors()
    text = "" if value is None else str(value).strip()
    if not text:
        return cat.default_sector, "", None
    digits = normalize_oked(text)
    if digits is not None:
        key, matched = cat.sector_for_oked(text)
        warning = None
        if not matched:
            warning = tr("warn.config.oked_unprofiled", code=text, default=cat.default_sector)
        return key, digits, warning
    key = cat.lookup(text)
    if key is None:
        raise SectorError(tr("err.sector.unknown_value", value=text, keys=", ".join(cat.sectors)))
    return key, "", None


def hazard_housing_km(hazard_class) -> float:
    """Sanitary distance from housing in km for a class 1-5 (0 for None / NA)."""
    if hazard_class is None or pd.isna(hazard_class):
        return 0.0
    try:
        return HAZARD_CLASS_HOUSING_M[int(hazard_class)] / 1000.0
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(tr("err.sector.hazard", value=shown(hazard_class))) from exc


# -- weights -------------------------------------------------------------------------------
def _weight_vector(
    base_weights: Mapping[str, float], criteria: tuple[str, ...] | list[str]
) -> np.ndarray:
    unknown = sorted(set(base_weights) - set(CRITERIA))
    if unknown:
        raise InputError(tr("err.sector.weights_unknown", keys=", ".join(unknown),
                            choices=", ".join(CRITERIA)))  # fmt: skip
    vec = np.array([float(base_weights.get(c, 0.0)) for c in criteria], dtype=np.float64)
    if not np.all(np.isfinite(vec)) or (vec < 0).any():
        raise InputError(tr("err.sector.weights_bad", value=shown(dict(base_weights))))
    return vec


def company_weights(
    base_weights: Mapping[str, float],
    sector: str | SectorProfile,
    catalog: SectorCatalog | None = None,
) -> dict[str, float]:
    """Scenario weights times the sector's multipliers, normalized to sum 1.

    Parameters
    ----------
    base_weights
        Criterion key -> weight (the scenario's, any scale; keys from :data:`CRITERIA`).
    sector
        A sector key or a :class:`SectorProfile`.

    Returns
    -------
    dict
        The same keys as ``base_weights`` (in :data:`CRITERIA` order), summing to 1.
    """
    cat = catalog or load_sectors()
    prof = sector if isinstance(sector, SectorProfile) else _profile(cat, sector)
    keys = [c for c in CRITERIA if c in base_weights]
    vec = _weight_vector(base_weights, keys) * np.array([prof.multiplier(c) for c in keys])
    total = vec.sum()
    if total <= 0:
        raise InputError(tr("err.sector.no_weight", sectors=prof.key, criteria=", ".join(keys)))
    return {k: float(v / total) for k, v in zip(keys, vec, strict=True)}


def _profile(cat: SectorCatalog, key: str) -> SectorProfile:
    try:
        return cat.sectors[key]
    except KeyError:
        raise SectorError(
            tr("err.sector.unknown_key", value=key, keys=", ".join(cat.sectors))
        ) from None


def _sector_codes(companies, cat: SectorCatalog) -> tuple[list[str], np.ndarray]:
    """Index of each company's sector in the catalog's sector order."""
    df = _frame(companies)
    keys = list(cat.sectors)
    if "sector" not in df.columns:
        sectors = pd.Series(cat.default_sector, index=df.index, dtype=object)
    else:
        sectors = df["sector"].astype(object).where(df["sector"].notna(), cat.default_sector)
        sectors = sectors.where(sectors.astype(str) != "", cat.default_sector)
    codes = pd.Index(keys).get_indexer(sectors.astype(str))
    if (codes < 0).any():
        bad = sorted(set(sectors[codes < 0].astype(str)))
        raise SectorError(tr("err.sector.table_keys", values=", ".join(bad), keys=", ".join(keys)))
    return keys, np.asarray(codes, dtype=np.intp)


def _frame(companies) -> pd.DataFrame:
    df = getattr(companies, "valid", companies)  # a CompanyTable or a DataFrame
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"companies must be a DataFrame or CompanyTable, not {type(companies).__name__}"
        )
    return df


def weights_matrix(
    companies,
    criteria_keys: tuple[str, ...] | list[str],
    base_weights: Mapping[str, float],
    catalog: SectorCatalog | None = None,
) -> np.ndarray:
    """Per-company normalized weights, shape ``(n_companies, len(criteria_keys))``.

    Row i is :func:`company_weights` of company i's sector, laid out in ``criteria_keys``
    order (criteria missing from ``base_weights`` get 0). Vectorized: one gather from the
    (sectors x criteria) multiplier matrix.
    """
    cat = catalog or load_sectors()
    criteria_keys = list(criteria_keys)
    unknown = sorted(set(criteria_keys) - set(CRITERIA))
    if unknown:
        raise InputError(tr("err.sector.weights_unknown", keys=", ".join(unknown),
                            choices=", ".join(CRITERIA)))  # fmt: skip
    keys, codes = _sector_codes(companies, cat)
    _, mult = cat.multiplier_matrix(criteria_keys)
    w = _weight_vector(base_weights, criteria_keys)[None, :] * mult[codes]
    total = w.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        empty = sorted({keys[c] for c in codes[total[:, 0] <= 0]})
        raise InputError(tr("err.sector.no_weight", sectors=", ".join(empty),
                            criteria=", ".join(criteria_keys)))  # fmt: skip
    return w / total



# -- transforms ----------------------------------------------------------------------------
def sector_scenario(scenario, sector: str | SectorProfile, catalog: SectorCatalog | None = None):
    """The scenario as a company of ``sector`` is scored with: its criteria that the
    sector's ``[transforms]`` name take the sector's transform (weights unchanged; apply
    :func:`company_weights` for those). A sector without transforms: ``scenario`` itself."""
    cat = catalog or load_sectors()
    prof = sector if isinstance(sector, SectorProfile) else _profile(cat, sector)
    return scenario.with_transforms(prof.transforms, label=f"sector {prof.key!r}")


def scenario_for_sector(scenario, sector: str, catalog: SectorCatalog | None = None):
    """The scenario as a company of ``sector`` (a key, title, alias or OKED code, as in a
    company list) scores every site: its transforms and its weights (scenario weights times
    the multipliers), named ``<scenario>@<sector key>``. Its hard needs are not applied."""
    import dataclasses

    cat = catalog or load_sectors()
    key, _, _ = resolve_sector(sector, cat)
    sc = sector_scenario(scenario, key, cat)
    sc = sc.with_weights(company_weights(scenario.weights, key, cat))
    return dataclasses.replace(sc, name=f"{scenario.name}@{key}")


def transform_variants(
    companies, scenario, catalog: SectorCatalog | None = None
) -> tuple[list, np.ndarray]:
    """The distinct scenarios the companies are scored with and each company's.

    Returns ``(scenarios, of_company)``: ``scenarios[0]`` is ``scenario`` itself, the
    others the variants made by sector ``[transforms]`` (:func:`sector_scenario`; sectors
    with the same transforms share one), only those some company uses;
    ``of_company[i]`` is the index of company i's scenario.
    """
    cat = catalog or load_sectors()
    keys, codes = _sector_codes(companies, cat)
    variants = [scenario]
    by_hash = {scenario.hash: 0}
    of_sector = np.zeros(len(keys), dtype=np.intp)
    for j in np.unique(codes).tolist():
        sc = sector_scenario(scenario, cat.sectors[keys[j]], cat)
        of_sector[j] = by_hash.setdefault(sc.hash, len(variants))
        if of_sector[j] == len(variants):
            variants.append(sc)
    return variants, of_sector[codes]


# -- needs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Needs:
    """Hard needs of one company; None means no limit."""

    min_area_ha: float
    rail_max_km: float | None
    min_housing_km: float
    max_dist_almaty_km: float | None
    allow_in_almaty: bool


_SCENARIO_NEED_KEYS = ("rail_max_km", "min_housing_km", "max_dist_almaty_km", "allow_in_almaty")


def _scenario_needs(scenario_needs) -> dict[str, Any]:
    if scenario_needs is None:
        return {}
    if isinstance(scenario_needs, Mapping):
        raw = dict(scenario_needs)
    elif hasattr(scenario_needs, "model_dump"):
        raw = scenario_needs.model_dump()
    elif hasattr(scenario_needs, "__dict__"):
        raw = dict(vars(scenario_needs))
    else:
        raise TypeError(f"scenario_needs must be a mapping, not {type(scenario_needs).__name__}")
    out = {k: raw[k] for k in _SCENARIO_NEED_KEYS if raw.get(k) is not None}
    for key in ("rail_max_km", "min_housing_km", "max_dist_almaty_km"):
        if key in out:
            val = float(out[key])
            if not (val >= 0):
                raise InputError(tr("err.sector.need_bad", key=key, value=shown(out[key])))
            out[key] = val
    return out


def _opt_column(df: pd.DataFrame, name: str, dtype: str):
    if name in df.columns:
        return df[name]
    return pd.Series(pd.NA, index=df.index, dtype=dtype)


def needs_arrays(
    companies, scenario_needs=None, catalog: SectorCatalog | None = None
) -> dict[str, np.ndarray]:
    """Hard needs of all companies at once, as arrays of length ``n_companies``.

    Keys (the ranking kernel's ``NeedArrays`` fields): ``land_ha`` (float), ``rail_max_km``
    (float, ``inf`` = no rail need), ``min_housing_km`` (float, 0 = none),
    ``max_dist_almaty_km`` (float, ``inf`` = no limit), ``allow_in_almaty`` (bool).

    Rules: a company's own ``needs_rail`` / ``hazard_class`` / ``max_dist_almaty_km``
    override its sector's defaults. Rail applies only to companies needing rail; the
    distance that counts as "has rail" is the scenario's ``rail_max_km`` when it sets one,
    else the sector's ``rail_max_km``, else the catalog's ``default_rail_max_km``.
    Housing distance: the larger of the hazard-class zone and the scenario's
    ``min_housing_km``. Almaty distance: the smaller of the company's (else the sector's)
    and the scenario's ``max_dist_almaty_km``.
    ``allow_in_almaty``: the sector allows it, the scenario does not forbid it, and the
    hazard class is not I-III (no hazardous plant inside the city).
    """
    cat = catalog or load_sectors()
    df = _frame(companies)
    scen = _scenario_needs(scenario_needs)
    keys, codes = _sector_codes(df, cat)
    profs = [cat.sectors[k] for k in keys]
    n = len(df)

    land = pd.to_numeric(_opt_column(df, "land_ha", "Float64"), errors="coerce")
    land_ha = land.astype("float64").to_numpy(na_value=np.nan) if n else np.zeros(0)

    # rail: company flag, else the sector default
    sec_rail = np.array([p.needs_rail for p in profs], dtype=bool)[codes]
    own_rail = _opt_column(df, "needs_rail", "boolean").astype("boolean")
    needs_rail = own_rail.fillna(False).to_numpy(dtype=bool)
    needs_rail = np.where(own_rail.isna().to_numpy(), sec_rail, needs_rail)
    sec_rail_km = np.array(
        [p.rail_max_km if p.rail_max_km is not None else cat.default_rail_max_km for p in profs]
    )[codes]
    if "rail_max_km" in scen:  # the scenario's threshold for "has rail" wins when it sets one
        sec_rail_km = np.full(n, scen["rail_max_km"])
    rail_max_km = np.where(needs_rail, sec_rail_km, np.inf)

    # hazard class: company value, else the sector default
    sec_hazard = np.array([p.hazard_class or 0 for p in profs], dtype=np.int64)[codes]
    own_hazard = pd.to_numeric(_opt_column(df, "hazard_class", "Int64"), errors="coerce")
    hazard = np.where(
        own_hazard.isna().to_numpy(), sec_hazard, own_hazard.fillna(0).to_numpy(dtype=np.int64)
    )
    out_of_range = (hazard < 0) | (hazard > 5)
    if out_of_range.any():
        bad = ", ".join(map(str, sorted(set(hazard[out_of_range].tolist()))))
        raise InputError(tr("err.sector.hazard", value=bad))
    housing_lut = np.array([0.0] + [HAZARD_CLASS_HOUSING_M[c] / 1000.0 for c in range(1, 6)])
    min_housing_km = housing_lut[hazard]
    if "min_housing_km" in scen:
        min_housing_km = np.maximum(min_housing_km, scen["min_housing_km"])

    # distance from Almaty: company value, else the sector's; the scenario's caps both
    sec_alm = np.array(
        [p.max_dist_almaty_km if p.max_dist_almaty_km is not None else np.inf for p in profs]
    )[codes]
    own_alm = pd.to_numeric(_opt_column(df, "max_dist_almaty_km", "Float64"), errors="coerce")
    own_alm_arr = own_alm.astype("float64").to_numpy(na_value=np.nan) if n else np.zeros(0)
    max_alm = np.where(np.isnan(own_alm_arr), sec_alm, own_alm_arr)
    if "max_dist_almaty_km" in scen:
        max_alm = np.minimum(max_alm, scen["max_dist_almaty_km"])

    allow = np.array([p.allow_in_almaty for p in profs], dtype=bool)[codes]
    allow &= ~((hazard >= 1) & (hazard <= 3))
    if scen.get("allow_in_almaty") is False:
        allow[:] = False

    return {
        "land_ha": np.asarray(land_ha, dtype=np.float64),
        "rail_max_km": np.asarray(rail_max_km, dtype=np.float64),
        "min_housing_km": np.asarray(min_housing_km, dtype=np.float64),
        "max_dist_almaty_km": np.asarray(max_alm, dtype=np.float64),
        "allow_in_almaty": np.asarray(allow, dtype=bool),
    }


def company_needs(row, scenario_needs=None, catalog: SectorCatalog | None = None) -> Needs:
    """Hard needs of one company (a row of ``CompanyTable.valid`` or a dict).

    Same rules as :func:`needs_arrays` (it is computed by it); ``None`` means no limit.
    """
    if isinstance(row, pd.Series):
        frame = row.to_frame().T
    elif isinstance(row, Mapping):
        frame = pd.DataFrame([dict(row)])
    else:
        raise TypeError(f"row must be a pandas Series or a mapping, not {type(row).__name__}")
    frame = frame.infer_objects()
    arr = needs_arrays(frame, scenario_needs, catalog)

    def _limit(v: float) -> float | None:
        return None if math.isinf(v) else float(v)

    return Needs(
        min_area_ha=float(arr["land_ha"][0]),
        rail_max_km=_limit(arr["rail_max_km"][0]),
        min_housing_km=float(arr["min_housing_km"][0]),
        max_dist_almaty_km=_limit(arr["max_dist_almaty_km"][0]),
        allow_in_almaty=bool(arr["allow_in_almaty"][0]),
    )
