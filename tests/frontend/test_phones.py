"""Syllable -> two phones, checked against KAN-TTS's py2phoneMap facts and pypinyin's inventory."""

import pytest
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal

from compress.errors import FrontendError
from compress.frontend.phones import has_phones, syllable_phones
from compress.models.symbols import PHONES

# A sample of py2phoneMap.txt entries covering every rule (the full 661-entry file was
# compared once during development; all entries agree).
KANTTS_MAP = {
    "a": "ga a_c", "ou": "go ou_c", "er": "ge er_c", "e": "ge e_c", "ba": "b_c a_c",
    "xi": "xx_c i_c", "xue": "xx_c ve_c", "ju": "j_c v_c", "qun": "q_c vn_c",
    "yuan": "y_c van_c", "yun": "y_c vn_c", "yu": "y_c v_c", "yan": "y_c an_c",
    "ye": "y_c e_c", "you": "y_c ou_c", "yong": "y_c ong_c", "wu": "w_c u_c",
    "wei": "w_c ei_c", "lv": "l_c v_c", "lve": "l_c ve_c", "nv": "n_c v_c",
    "zhi": "zh_c ih_c", "chi": "ch_c ih_c", "shi": "sh_c ih_c", "ri": "r_c ih_c",
    "zi": "z_c ii_c", "ci": "c_c ii_c", "si": "s_c ii_c", "gui": "g_c uei_c",
    "liu": "l_c iou_c", "dun": "d_c uen_c", "jiong": "j_c iong_c", "zhuang": "zh_c uang_c",
    "dianr": "d_c ianr_c", "huir": "h_c ueir_c", "zhir": "zh_c ihr_c", "cir": "c_c iir_c",
    "jiur": "j_c iour_c", "chunr": "ch_c uenr_c", "yvanr": "y_c vanr_c", "yvr": "y_c vr_c",
    "yer": "y_c er_c", "cher": "ch_c er_c", "nar": "n_c ar_c", "hair": "h_c air_c",
    "xiongr": "xx_c iongr_c", "wanr": "w_c anr_c",
}


@pytest.mark.parametrize("syllable,phones", sorted(KANTTS_MAP.items()))
def test_matches_kantts_map(syllable, phones):
    assert " ".join(syllable_phones(syllable)) == phones


def _pypinyin_syllables():
    found = set()
    for value in PINYIN_DICT.values():
        found.update(to_normal(p, v_to_u=False) for p in value.split(","))
    for readings in PHRASES_DICT.values():
        found.update(to_normal(p, v_to_u=False) for options in readings for p in options)
    return found


def test_every_pypinyin_syllable_has_two_phones():
    syllables = _pypinyin_syllables()
    assert len(syllables) > 400
    phone_set = set(PHONES)
    for syllable in syllables:
        initial, final = syllable_phones(syllable)
        assert initial in phone_set and final in phone_set, syllable


def test_every_erhua_of_a_plain_syllable_is_mapped_or_refused():
    for syllable in _pypinyin_syllables():
        if has_phones(syllable + "r"):
            assert syllable_phones(syllable + "r")[1].endswith("r_c")


def test_interjections_and_garbage():
    assert syllable_phones("ng") == syllable_phones("en")
    assert syllable_phones("m") == ("m_c", "u_c")
    with pytest.raises(FrontendError):
        syllable_phones("qqq")
    assert not has_phones("ioxr")
