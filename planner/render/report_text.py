"""The comparison report's texts in ru / kk / en, and its number format.

:data:`_L` holds every label of the report, :data:`_NEED_SHORT` / :data:`_NEED_LABEL` the
short names of a company's needs on the report's map; :func:`text` looks a language up and
:func:`num` writes a number the way the language does (decimal comma in ru and kk, a narrow
no-break space between thousands).
"""

from __future__ import annotations

import math
from typing import Any

from planner import i18n

__all__ = ["num", "text"]

_L: dict[str, dict[str, str]] = {
    "en": {
        "title": "Comparison of sites",
        "subtitle": "{n} candidate sites, Almaty Region",
        "scenario": "Scenario",
        "hash": "hash",
        "weights_hash": "weights used, hash",
        "as_of": "As of",
        "also_as_of": "Also as of",
        "company": "Company",
        "sector": "sector",
        "land": "land",
        "summary": "Summary",
        "map": "Map",
        "map_caption": "Numbers are the ranks in this comparison; grey dots are sites that "
        "are excluded or do not meet the company's needs.",
        "cards": "Score cards",
        "chart": "Points by criterion",
        "chart_caption": "Each bar is a site's score (0-100) split into the points of each "
        "criterion; the numbers in the segments are points.",
        "table": "Comparison table",
        "table_caption": "Raw value and points per criterion; the best value of each row is "
        "bold and marked \u2605.",
        "robustness": "Robustness",
        "robust_mc": "Weights varied at random",
        "robust_flip": "Smallest single weight change that swaps the two best sites",
        "robust_time": "The same comparison as of {date}",
        "scenario_data": "Scenario and data",
        "criterion": "Criterion",
        "weight": "Weight",
        "weight_scenario": "Scenario weight",
        "weight_used": "Weight used",
        "points": "points",
        "score": "Score",
        "rank": "Rank",
        "rank_of": "{rank} of {n}",
        "not_ranked": "not ranked",
        "zone": "Zone",
        "zone_status": "Zone status",
        "sez": "SEZ",
        "area": "Area / free land",
        "needs": "Company needs",
        "p_first": "First in draws",
        "rank_range": "Rank range (5th-95th percentile)",
        "rank_at": "Rank as of {date}",
        "score_at": "Score as of {date}",
        "verdict": "Verdict",
        "why": "Why",
        "site": "Site",
        "source": "Source",
        "coords": "lat, lon",
        "needs_scenario": "Scenario needs",
        "provenance": "Data",
        "generated": "Made with planner {version}; layers fingerprint {fp}.",
        "eligible_no": "not eligible",
        "in_almaty": "inside Almaty",
        "none": "\u2013",
        "met": "met",
        "failed": "failed",
        "unknown": "unknown",
        "need_land": "Land (ha)",
        "need_rail": "Rail within (km)",
        "need_hazard": "From housing (km)",
        "need_max_dist_almaty": "To Almaty at most (km)",
        "need_in_almaty": "Inside Almaty",
        "not_allowed": "not allowed",
        "inside": "inside",
        "outside": "outside",
        "moves_site": "Site",
        "moves_rank": "Rank",
        "moves_score": "Score",
        "moves_why": "What changed",
        "draws_note": "{draws} draws, each weight x{lo}-{hi}, seed {seed}",
    },
    "ru": {
        "title": "Сравнение площадок",
        "subtitle": "Площадок: {n}, Алматинская область",
        "scenario": "Сценарий",
        "hash": "хеш",
        "weights_hash": "применённые веса, хеш",
        "as_of": "Дата оценки",
        "also_as_of": "Также на дату",
        "company": "Компания",
        "sector": "отрасль",
        "land": "земля",
        "summary": "Итоги",
        "map": "Карта",
        "map_caption": "Номера \u2014 места в этом сравнении; серые точки \u2014 площадки, "
        "которые исключены или не отвечают требованиям компании.",
        "cards": "Карточки площадок",
        "chart": "Баллы по критериям",
        "chart_caption": "Каждая полоса \u2014 балл площадки (0-100), разложенный на баллы "
        "критериев; числа в сегментах \u2014 баллы.",
        "table": "Таблица сравнения",
        "table_caption": "Значение и баллы по каждому критерию; лучшее значение строки "
        "выделено жирным и знаком \u2605.",
        "robustness": "Устойчивость",
        "robust_mc": "Случайное изменение весов",
        "robust_flip": "Наименьшее изменение одного веса, меняющее местами две лучшие площадки",
        "robust_time": "То же сравнение на {date}",
        "scenario_data": "Сценарий и данные",
        "criterion": "Критерий",
        "weight": "Вес",
        "weight_scenario": "Вес в сценарии",
        "weight_used": "Применённый вес",
        "points": "баллы",
        "score": "Балл",
        "rank": "Место",
        "rank_of": "{rank} из {n}",
        "not_ranked": "вне рейтинга",
        "zone": "Зона",
        "zone_status": "Статус зоны",
        "sez": "СЭЗ",
        "area": "Площадь / свободно",
        "needs": "Требования компании",
        "p_first": "Первая в вариантах",
        "rank_range": "Диапазон мест (5-95-й процентиль)",
        "rank_at": "Место на {date}",
        "score_at": "Балл на {date}",
        "verdict": "Вывод",
        "why": "Почему",
        "site": "Площадка",
        "source": "Источник",
        "coords": "широта, долгота",
        "needs_scenario": "Требования сценария",
        "provenance": "Данные",
        "generated": "Подготовлено planner {version}; отпечаток слоёв {fp}.",
        "eligible_no": "не подходит",
        "in_almaty": "в Алматы",
        "none": "\u2013",
        "met": "выполнено",
        "failed": "не выполнено",
        "unknown": "неизвестно",
        "need_land": "Земля (га)",
        "need_rail": "Ж/д не дальше (км)",
        "need_hazard": "От жилья не ближе (км)",
        "need_max_dist_almaty": "До Алматы не дальше (км)",
        "need_in_almaty": "В черте Алматы",
        "not_allowed": "нельзя",
        "inside": "в черте",
        "outside": "вне черты",
        "moves_site": "Площадка",
        "moves_rank": "Место",
        "moves_score": "Балл",
        "moves_why": "Что изменилось",
        "draws_note": "{draws} вариантов, каждый вес x{lo}-{hi}, seed {seed}",
    },
    "kk": {
        "title": "Алаңдарды салыстыру",
        "subtitle": "Алаңдар: {n}, Алматы облысы",
        "scenario": "Сценарий",
        "hash": "хеш",
        "weights_hash": "қолданылған салмақтар, хеш",
        "as_of": "Бағалау күні",
        "also_as_of": "Сондай-ақ күні",
        "company": "Компания",
        "sector": "сала",
        "land": "жер",
        "summary": "Қорытынды",
        "map": "Карта",
        "map_caption": "Нөмірлер \u2014 осы салыстырудағы орындар; сұр нүктелер \u2014 алынып "
        "тасталған немесе компания талаптарына сай емес алаңдар.",
        "cards": "Алаң карточкалары",
        "chart": "Критерийлер бойынша ұпайлар",
        "chart_caption": "Әр жолақ \u2014 алаңның балы (0-100), критерийлердің ұпайларына "
        "бөлінген; сегменттердегі сандар \u2014 ұпайлар.",
        "table": "Салыстыру кестесі",
        "table_caption": "Әр критерийдің мәні мен ұпайы; жолдағы ең жақсы мән қалың қаріппен "
        "және \u2605 белгісімен көрсетілген.",
        "robustness": "Тұрақтылық",
        "robust_mc": "Салмақтарды кездейсоқ өзгерту",
        "robust_flip": "Екі үздік алаңның орнын ауыстыратын бір салмақтың ең аз өзгерісі",
        "robust_time": "Сол салыстыру {date} күні",
        "scenario_data": "Сценарий және деректер",
        "criterion": "Критерий",
        "weight": "Салмақ",
        "weight_scenario": "Сценарийдегі салмақ",
        "weight_used": "Қолданылған салмақ",
        "points": "ұпай",
        "score": "Балл",
        "rank": "Орны",
        "rank_of": "{n} ішінен {rank}",
        "not_ranked": "рейтингтен тыс",
        "zone": "Аймақ",
        "zone_status": "Аймақ мәртебесі",
        "sez": "АЭА",
        "area": "Ауданы / бос жер",
        "needs": "Компания талаптары",
        "p_first": "Нұсқаларда бірінші",
        "rank_range": "Орын аралығы (5-95 процентиль)",
        "rank_at": "{date} күнгі орны",
        "score_at": "{date} күнгі балы",
        "verdict": "Қорытынды",
        "why": "Неліктен",
        "site": "Алаң",
        "source": "Дереккөз",
        "coords": "ендік, бойлық",
        "needs_scenario": "Сценарий талаптары",
        "provenance": "Деректер",
        "generated": "planner {version} арқылы дайындалды; қабаттар ізі {fp}.",
        "eligible_no": "сай емес",
        "in_almaty": "Алматы ішінде",
        "none": "\u2013",
        "met": "орындалды",
        "failed": "орындалмады",
        "unknown": "белгісіз",
        "need_land": "Жер (га)",
        "need_rail": "Т/ж алыс емес (км)",
        "need_hazard": "Тұрғын үйден кем емес (км)",
        "need_max_dist_almaty": "Алматыға дейін алыс емес (км)",
        "need_in_almaty": "Алматы шегінде",
        "not_allowed": "болмайды",
        "inside": "шегінде",
        "outside": "шегінен тыс",
        "moves_site": "Алаң",
        "moves_rank": "Орны",
        "moves_score": "Балл",
        "moves_why": "Не өзгерді",
        "draws_note": "{draws} нұсқа, әр салмақ x{lo}-{hi}, seed {seed}",
    },
}

_NEED_SHORT = {
    "en": {"land": "land", "rail": "rail", "hazard": "distance from housing",
           "max_dist_almaty": "distance to Almaty", "in_almaty": "inside Almaty"},
    "ru": {"land": "земля", "rail": "ж/д", "hazard": "разрыв до жилья",
           "max_dist_almaty": "расстояние до Алматы", "in_almaty": "в черте Алматы"},
    "kk": {"land": "жер", "rail": "т/ж", "hazard": "тұрғын үйге дейінгі қашықтық",
           "max_dist_almaty": "Алматыға дейінгі қашықтық", "in_almaty": "Алматы шегінде"},
}  # fmt: skip
_NEED_LABEL = {"en": "company needs", "ru": "требования компании", "kk": "компания талаптары"}


def text(lang: str) -> dict[str, str]:
    """The report's labels in ``lang`` (checked: ru, kk or en)."""
    return _L[i18n.check_lang(lang)]


def num(value: Any, digits: int, lang: str) -> str:
    """``value`` with ``digits`` decimals as ``lang`` writes it; a dash for no number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "\u2013"
    if not math.isfinite(v):
        return "\u2013"
    out = f"{v:,.{digits}f}".replace(",", "\u202f")
    return out.replace(".", ",") if lang in ("ru", "kk") else out


def need_short(key: str, lang: str) -> str:
    """A company need's short name (``land``, ``rail``...) for the map's grey sites."""
    return _NEED_SHORT[lang].get(key, key)


def needs_label(lang: str) -> str:
    return _NEED_LABEL[lang]
