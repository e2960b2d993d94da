"""Labels, legends and popup words for maps in Russian (default), Kazakh and English.

Everything a map shows that is not data (layer names, legend titles, criterion names,
statuses, units, the provenance note) comes from :data:`LABELS` here, one dict per
language with the same keys. Feature names come from the layers' ``name_ru`` /
``name_kk`` / ``name_en`` fields (:func:`feature_names`). The strings are plain text:
the map escapes them like any user text.
"""

from __future__ import annotations

import pandas as pd

from planner.errors import InputError

__all__ = [
    "LANGS",
    "DEFAULT_LANG",
    "LABELS",
    "CRITERIA",
    "STATUSES",
    "KINDS",
    "EXCLUSION_REASONS",
    "check_lang",
    "label",
    "labels",
    "criterion_label",
    "status_label",
    "kind_label",
    "exclusion_label",
    "feature_names",
]

LANGS = ("ru", "kk", "en")
DEFAULT_LANG = "ru"

#: UI words; ``{...}`` fields are filled with :meth:`str.format`.
LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Площадки для размещения компаний: Алматинская область",
        "layer_context": "Контур области (схема)",
        "layer_bakad": "БАКАД и развязки",
        "layer_cities": "Алматы, Конаев, Gate City / Алатау",
        "layer_zones": "Индустриальные зоны и СЭЗ",
        "layer_transport": "Транспорт: ж/д, аэропорт, трассы",
        "layer_constraints": "Ограничения: нацпарк, вода, границы города",
        "layer_sites": "Площадки по баллу",
        "layer_top": "Лучшие {k} площадок",
        "layer_company": "Лучшие {k}: {company}",
        "layer_best": "Лучшая площадка каждой компании",
        "layer_osm": "OpenStreetMap (онлайн)",
        "layer_surface": "Пригодность территории (ячейки {cell} м)",
        "legend_surface": "Пригодность территории, балл",
        "legend_zones": "Статус зоны на {date}",
        "legend_sez": "СЭЗ: пунктирный контур",
        "legend_score": "Балл площадки",
        "legend_excluded": "Исключена (нацпарк, вода, вне области)",
        "legend_top": "Номер: место в рейтинге",
        "legend_best": "Размер: число компаний",
        "legend_lines": "Линии",
        "legend_bakad": "БАКАД",
        "legend_interchange": "Развязка БАКАД",
        "legend_highway": "Трасса",
        "legend_railway": "Железная дорога",
        "note_indicative": (
            "Встроенная геометрия ориентировочная (оценки по открытым источникам, погрешность "
            "до нескольких км); заменить официальными данными акимата. "
            "© OpenStreetMap contributors"
        ),
        "note_user_layers": "Слои пользователя: {names}",
        "note_scenario": "Сценарий: {name} (хеш {hash})",
        "note_scenario_unknown": "Сценарий: не указан",
        "note_as_of": "Дата оценки: {date}",
        "note_sites": "Площадок: {n}",
        "note_surface": (
            "Поверхность пригодности: сценарий {name} (хеш {hash}), дата {date}, ячейка {cell} м"
        ),
        "score": "Балл",
        "rank": "Место",
        "criterion": "Критерий",
        "value": "Значение",
        "points": "Баллы",
        "total": "Итого",
        "zone": "Зона",
        "no_zone": "вне зон",
        "status": "Статус",
        "why": "Почему",
        "excluded": "Исключена",
        "in_almaty": "в Алматы",
        "company": "Компания",
        "companies": "Компании ({n})",
        "more": "и ещё {n}",
        "km": "км",
        "min": "мин",
        "ha": "га",
        "area": "Площадь",
        "free": "Свободно",
        "sectors": "Отрасли",
        "source": "Источник",
        "estimated": "Оценка, точность ±{m} м",
        "exact": "Точность ±{m} м",
        "chainage": "Км БАКАД",
        "kind": "Тип",
        "fullscreen": "Во весь экран",
        "fullscreen_exit": "Выйти из полноэкранного режима",
    },
    "kk": {
        "title": "Компанияларды орналастыруға арналған алаңдар: Алматы облысы",
        "layer_context": "Облыс шекарасы (сызба)",
        "layer_bakad": "БАКАД және жол айрықтары",
        "layer_cities": "Алматы, Қонаев, Gate City / Алатау",
        "layer_zones": "Индустриялық аймақтар және АЭА",
        "layer_transport": "Көлік: т/ж, әуежай, тас жолдар",
        "layer_constraints": "Шектеулер: ұлттық парк, су, қала шекарасы",
        "layer_sites": "Алаңдар балл бойынша",
        "layer_top": "Үздік {k} алаң",
        "layer_company": "Үздік {k}: {company}",
        "layer_best": "Әр компанияның үздік алаңы",
        "layer_osm": "OpenStreetMap (онлайн)",
        "layer_surface": "Аумақтың жарамдылығы (ұяшық {cell} м)",
        "legend_surface": "Аумақтың жарамдылығы, балл",
        "legend_zones": "Аймақ мәртебесі, {date}",
        "legend_sez": "АЭА: үзік сызықты контур",
        "legend_score": "Алаң баллы",
        "legend_excluded": "Алынып тасталды (ұлттық парк, су, облыстан тыс)",
        "legend_top": "Нөмір: рейтингтегі орны",
        "legend_best": "Өлшемі: компаниялар саны",
        "legend_lines": "Сызықтар",
        "legend_bakad": "БАКАД",
        "legend_interchange": "БАКАД жол айрығы",
        "legend_highway": "Тас жол",
        "legend_railway": "Темір жол",
        "note_indicative": (
            "Кірістірілген геометрия шамамен алынған (ашық дереккөздер бойынша бағалау, қателігі "
            "бірнеше км-ге дейін); әкімдіктің ресми деректерімен ауыстыру қажет. "
            "© OpenStreetMap contributors"
        ),
        "note_user_layers": "Пайдаланушы қабаттары: {names}",
        "note_scenario": "Сценарий: {name} (хеш {hash})",
        "note_scenario_unknown": "Сценарий: көрсетілмеген",
        "note_as_of": "Бағалау күні: {date}",
        "note_sites": "Алаңдар: {n}",
        "note_surface": (
            "Жарамдылық беті: сценарий {name} (хеш {hash}), күні {date}, ұяшық {cell} м"
        ),
        "score": "Балл",
        "rank": "Орны",
        "criterion": "Критерий",
        "value": "Мәні",
        "points": "Ұпай",
        "total": "Барлығы",
        "zone": "Аймақ",
        "no_zone": "аймақтан тыс",
        "status": "Мәртебесі",
        "why": "Неліктен",
        "excluded": "Алынып тасталды",
        "in_almaty": "Алматы ішінде",
        "company": "Компания",
        "companies": "Компаниялар ({n})",
        "more": "тағы {n}",
        "km": "км",
        "min": "мин",
        "ha": "га",
        "area": "Ауданы",
        "free": "Бос",
        "sectors": "Салалар",
        "source": "Дереккөз",
        "estimated": "Бағалау, дәлдігі ±{m} м",
        "exact": "Дәлдігі ±{m} м",
        "chainage": "БАКАД км",
        "kind": "Түрі",
        "fullscreen": "Толық экран",
        "fullscreen_exit": "Толық экраннан шығу",
    },
    "en": {
        "title": "Sites for relocating companies: Almaty Region",
        "layer_context": "Region outline (schematic)",
        "layer_bakad": "BAKAD and interchanges",
        "layer_cities": "Almaty, Konaev, Gate City / Alatau",
        "layer_zones": "Industrial zones and SEZs",
        "layer_transport": "Transport: rail, airport, highways",
        "layer_constraints": "Constraints: national park, water, city limits",
        "layer_sites": "Sites by score",
        "layer_top": "Top {k} sites",
        "layer_company": "Top {k}: {company}",
        "layer_best": "Best site of each company",
        "layer_osm": "OpenStreetMap (online)",
        "layer_surface": "Suitability surface ({cell} m cells)",
        "legend_surface": "Suitability surface score",
        "legend_zones": "Zone status as of {date}",
        "legend_sez": "SEZ: dashed outline",
        "legend_score": "Site score",
        "legend_excluded": "Excluded (national park, water, outside the region)",
        "legend_top": "Number: rank",
        "legend_best": "Size: number of companies",
        "legend_lines": "Lines",
        "legend_bakad": "BAKAD",
        "legend_interchange": "BAKAD interchange",
        "legend_highway": "Highway",
        "legend_railway": "Railway",
        "note_indicative": (
            "Built-in geometry is indicative (estimated from public sources, errors up to a few "
            "km); replace it with official akimat data. © OpenStreetMap contributors"
        ),
        "note_user_layers": "User layers: {names}",
        "note_scenario": "Scenario: {name} (hash {hash})",
        "note_scenario_unknown": "Scenario: not given",
        "note_as_of": "As of: {date}",
        "note_sites": "Sites: {n}",
        "note_surface": (
            "Suitability surface: scenario {name} (hash {hash}), as of {date}, {cell} m cells"
        ),
        "score": "Score",
        "rank": "Rank",
        "criterion": "Criterion",
        "value": "Value",
        "points": "Points",
        "total": "Total",
        "zone": "Zone",
        "no_zone": "outside zones",
        "status": "Status",
        "why": "Why",
        "excluded": "Excluded",
        "in_almaty": "inside Almaty",
        "company": "Company",
        "companies": "Companies ({n})",
        "more": "and {n} more",
        "km": "km",
        "min": "min",
        "ha": "ha",
        "area": "Area",
        "free": "Free",
        "sectors": "Sectors",
        "source": "Source",
        "estimated": "Estimated, accuracy ±{m} m",
        "exact": "Accuracy ±{m} m",
        "chainage": "BAKAD km",
        "kind": "Kind",
        "fullscreen": "Full screen",
        "fullscreen_exit": "Exit full screen",
    },
}

#: scoring criteria (contract keys) -> label per language
CRITERIA: dict[str, dict[str, str]] = {
    "bakad": {"ru": "До БАКАД", "kk": "БАКАД-қа дейін", "en": "To BAKAD"},
    "interchange": {
        "ru": "До развязки БАКАД",
        "kk": "БАКАД айрығына дейін",
        "en": "To a BAKAD interchange",
    },
    "almaty": {"ru": "До центра Алматы", "kk": "Алматы орталығына дейін", "en": "To Almaty centre"},
    "konaev": {"ru": "До Конаева", "kk": "Қонаевқа дейін", "en": "To Konaev"},
    "gate_city": {"ru": "До Gate City", "kk": "Gate City-ге дейін", "en": "To Gate City"},
    "zone": {
        "ru": "Зона (статус, СЭЗ)",
        "kk": "Аймақ (мәртебесі, АЭА)",
        "en": "Zone (status, SEZ)",
    },
    "zone_proximity": {
        "ru": "До действующей зоны",
        "kk": "Жұмыс істейтін аймаққа дейін",
        "en": "To an operating zone",
    },
    "rail": {"ru": "До железной дороги", "kk": "Темір жолға дейін", "en": "To rail"},
    "airport": {"ru": "До аэропорта", "kk": "Әуежайға дейін", "en": "To the airport"},
    "highway": {"ru": "До трассы", "kk": "Тас жолға дейін", "en": "To a highway"},
    "khorgos": {"ru": "До Хоргоса", "kk": "Қорғасқа дейін", "en": "To Khorgos"},
    "housing": {"ru": "До жилья", "kk": "Тұрғын үйге дейін", "en": "To housing"},
    # travel time by road (planner.core.travel)
    "time_interchange": {
        "ru": "По дорогам до развязки БАКАД",
        "kk": "БАКАД айрығына дейін жолмен",
        "en": "By road to a BAKAD interchange",
    },
    "time_almaty": {
        "ru": "По дорогам до центра Алматы",
        "kk": "Алматы орталығына дейін жолмен",
        "en": "By road to Almaty centre",
    },
    "time_konaev": {"ru": "По дорогам до Конаева", "kk": "Қонаевқа дейін жолмен",
                    "en": "By road to Konaev"},
    "time_gate_city": {"ru": "По дорогам до Gate City", "kk": "Gate City-ге дейін жолмен",
                       "en": "By road to Gate City"},
    "time_rail": {"ru": "По дорогам до ж/д станции", "kk": "Т/ж бекетіне дейін жолмен",
                  "en": "By road to a rail station"},
    "time_airport": {"ru": "По дорогам до аэропорта", "kk": "Әуежайға дейін жолмен",
                     "en": "By road to the airport"},
}  # fmt: skip

STATUSES: dict[str, dict[str, str]] = {
    "operating": {"ru": "действует", "kk": "жұмыс істейді", "en": "operating"},
    "under_construction": {"ru": "строится", "kk": "салынуда", "en": "under construction"},
    "planned": {"ru": "планируется", "kk": "жоспарланған", "en": "planned"},
    "none": {"ru": "ещё нет / уже нет", "kk": "әлі жоқ / енді жоқ", "en": "not yet / no longer"},
}

#: feature kinds of the layers (planner.inputs.layers.LAYER_SPECS) -> label
KINDS: dict[str, dict[str, str]] = {
    "ring_road": {"ru": "кольцевая дорога", "kk": "айналма жол", "en": "ring road"},
    "interchange": {"ru": "развязка", "kk": "жол айрығы", "en": "interchange"},
    "city_outline": {"ru": "граница города", "kk": "қала шекарасы", "en": "city outline"},
    "city_centre": {"ru": "центр города", "kk": "қала орталығы", "en": "city centre"},
    "planned_district": {"ru": "новый район", "kk": "жаңа аудан", "en": "planned district"},
    "settlement": {"ru": "населённый пункт", "kk": "елді мекен", "en": "settlement"},
    "industrial_zone": {
        "ru": "индустриальная зона",
        "kk": "индустриялық аймақ",
        "en": "industrial zone",
    },
    "sez": {"ru": "СЭЗ", "kk": "АЭА", "en": "SEZ"},
    "rail_station": {"ru": "ж/д станция", "kk": "т/ж бекеті", "en": "rail station"},
    "freight_yard": {"ru": "грузовая станция", "kk": "жүк бекеті", "en": "freight yard"},
    "airport": {"ru": "аэропорт", "kk": "әуежай", "en": "airport"},
    "logistics_target": {
        "ru": "логистический узел",
        "kk": "логистикалық торап",
        "en": "logistics hub",
    },
    "highway": {"ru": "трасса", "kk": "тас жол", "en": "highway"},
    "railway": {"ru": "железная дорога", "kk": "темір жол", "en": "railway"},
    "exclusion": {"ru": "запретная территория", "kk": "тыйым салынған аумақ", "en": "exclusion"},
    "water": {"ru": "водоём", "kk": "су айдыны", "en": "water"},
    "city_limits": {"ru": "городская черта", "kk": "қала шегі", "en": "city limits"},
    "region": {"ru": "область", "kk": "облыс", "en": "region"},
}

EXCLUSION_REASONS: dict[str, dict[str, str]] = {
    "national_park": {"ru": "нацпарк", "kk": "ұлттық парк", "en": "national park"},
    "water": {"ru": "водоём", "kk": "су айдыны", "en": "water"},
    "outside_region": {"ru": "вне области", "kk": "облыстан тыс", "en": "outside the region"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise :class:`InputError`."""
    if lang not in LANGS:
        raise InputError(
            f"language {lang!r} is not supported; use one of {', '.join(LANGS)} "
            f"(e.g. --lang {DEFAULT_LANG})"
        )
    return lang


def label(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The UI string ``key`` in ``lang``, with ``{fields}`` filled in."""
    text = LABELS[check_lang(lang)][key]
    return text.format(**fields) if fields else text


def labels(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Every UI string of ``lang`` (a copy)."""
    return dict(LABELS[check_lang(lang)])


def _lookup(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    entry = table.get(key)
    return entry[check_lang(lang)] if entry else key


def criterion_label(key: str, lang: str = DEFAULT_LANG) -> str:
    """Label of scoring criterion ``key`` (unknown keys are shown as they are)."""
    return _lookup(CRITERIA, key, lang)


def status_label(status: str, lang: str = DEFAULT_LANG) -> str:
    """Label of a zone status (operating / under_construction / planned / none)."""
    return _lookup(STATUSES, status, lang)


def kind_label(kind: str, lang: str = DEFAULT_LANG) -> str:
    """Label of a layer feature kind (ring_road, sez, ...)."""
    return _lookup(KINDS, kind, lang)


def exclusion_label(reasons: str, lang: str = DEFAULT_LANG) -> str:
    """Labels of a ``;``-joined ``exclusion_reason`` value, joined with ``, ``."""
    parts = [p for p in str(reasons).split(";") if p]
    return ", ".join(_lookup(EXCLUSION_REASONS, p, lang) for p in parts)


def feature_names(df: pd.DataFrame, lang: str = DEFAULT_LANG) -> pd.Series:
    """Each feature's name in ``lang``, falling back to Russian, English, then the id."""
    check_lang(lang)
    order = [f"name_{lang}", "name_ru", "name_en", "id"]
    out = pd.Series([None] * len(df), index=df.index, dtype=object)
    for col in order:
        if col not in df.columns:
            continue
        vals = df[col].astype(object)
        usable = vals.notna() & (vals.astype(str).str.strip() != "")
        out = out.where(out.notna() | ~usable, vals)
    return out.where(out.notna(), "").astype(str)
