r"""One language catalog for the whole planner: Russian (default), Kazakh and English.

Every user-visible text (map and report labels, legends, criterion and status names, the
reasons of a score, verdicts, flip and robustness sentences) is a message of
``planner/i18n/messages/{ru,kk,en}.toml``, loaded once with :mod:`importlib.resources`:

>>> t("map.layer_top", "en", k=5)
'Top 5 sites'
>>> format_number(96500, "ru", grouping=True)
'96\u202f500'

:func:`t` fails loudly on a missing key or field (:class:`planner.errors.CatalogError`);
:func:`check_lang` refuses an unknown language (:class:`planner.errors.InputError`).
Numbers are formatted in one place, :func:`format_number` (Babel). Feature names come
from the layers' ``name_ru`` / ``name_kk`` / ``name_en`` fields (:func:`feature_names`).
Texts are plain: renderers escape them like any user text.

This is a base package: any layer of the planner may import it; it imports only
:mod:`planner.errors`.
"""

from __future__ import annotations

# explicit re-exports (``name as name``); __all__ is the union of the modules' own lists
from planner.i18n import catalog as _catalog
from planner.i18n import lookups as _lookups
from planner.i18n import numbers as _numbers
from planner.i18n.catalog import DEFAULT_LANG as DEFAULT_LANG
from planner.i18n.catalog import LANGS as LANGS
from planner.i18n.catalog import check_lang as check_lang
from planner.i18n.catalog import keys as keys
from planner.i18n.catalog import message_lang as message_lang
from planner.i18n.catalog import messages as messages
from planner.i18n.catalog import section as section
from planner.i18n.catalog import set_message_lang as set_message_lang
from planner.i18n.catalog import t as t
from planner.i18n.catalog import template as template
from planner.i18n.catalog import tr as tr
from planner.i18n.catalog import unverified as unverified
from planner.i18n.catalog import use_lang as use_lang
from planner.i18n.lookups import criterion_label as criterion_label
from planner.i18n.lookups import exclusion_label as exclusion_label
from planner.i18n.lookups import feature_names as feature_names
from planner.i18n.lookups import fill_array as fill_array
from planner.i18n.lookups import kind_label as kind_label
from planner.i18n.lookups import label as label
from planner.i18n.lookups import labels as labels
from planner.i18n.lookups import quote as quote
from planner.i18n.lookups import status_label as status_label
from planner.i18n.numbers import GROUP_SEPARATOR as GROUP_SEPARATOR
from planner.i18n.numbers import format_date as format_date
from planner.i18n.numbers import format_number as format_number
from planner.i18n.numbers import number_symbols as number_symbols

__all__ = [*_catalog.__all__, *_numbers.__all__, *_lookups.__all__]
