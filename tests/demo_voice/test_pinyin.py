import pytest

from compress.demo_voice.pinyin import espeak_spelling, phones_to_pinyin, split_tone, syllable_phones
from compress.errors import SymbolError

# Entries of KAN-TTS's py2phoneMap.txt (facts, FORMAT.md §5), the irregular ones on purpose.
PY2PHONE = """a ga a_c|ai ga ai_c|e ge e_c|er ge er_c|o go o_c|ou go ou_c|chi ch_c ih_c|ri r_c ih_c
ci c_c ii_c|chui ch_c uei_c|chun ch_c uen_c|diu d_c iou_c|jv j_c v_c|jvan j_c van_c|qvn q_c vn_c
lve l_c ve_c|nv n_c v_c|xiong xx_c iong_c|ya y_c a_c|you y_c ou_c|yvan y_c van_c|yi y_c i_c
wei w_c ei_c|wen w_c en_c|weng w_c eng_c|wu w_c u_c|chir ch_c ihr_c|cir c_c iir_c|chuir ch_c ueir_c
chunr ch_c uenr_c|jiur j_c iour_c|her h_c er_c|yer y_c er_c|yvr y_c vr_c|wur w_c ur_c|huar h_c uar_c"""


@pytest.mark.parametrize("entry", PY2PHONE.replace("\n", "|").split("|"))
def test_syllables_map_as_py2phonemap_says_and_back(entry):
    syllable, initial, final = entry.split()
    assert syllable_phones(syllable) == (initial, final)
    assert phones_to_pinyin(initial, final) == syllable


def test_every_pypinyin_syllable_round_trips():
    from pypinyin import pinyin_dict
    from pypinyin.contrib.tone_convert import to_normal

    syllables = set()
    for readings in pinyin_dict.pinyin_dict.values():
        for reading in readings.split(","):
            plain = to_normal(reading).replace("ü", "v")
            if plain.isascii() and plain.isalpha() and plain not in ("m", "n", "ng", "hm", "hng", "ê"):
                syllables.add(plain)
    failures = []
    for plain in sorted(syllables):
        kantts = plain[0] + "v" + plain[2:] if plain[:2] in ("ju", "qu", "xu", "yu") else plain
        try:
            assert phones_to_pinyin(*syllable_phones(kantts)) == kantts
        except (SymbolError, AssertionError):
            failures.append(plain)
    assert len(syllables) > 390 and failures == []


def test_espeak_spelling_and_tones():
    assert [espeak_spelling(s) for s in ("jvan", "yv", "xve", "qvn", "lv", "nve")] == [
        "juan", "yu", "xue", "qun", "lv", "nve"]
    assert split_tone("hao3") == ("hao", 3)
    with pytest.raises(SymbolError):
        split_tone("hao")
    with pytest.raises(SymbolError):
        phones_to_pinyin("b_c", "aa")
