"""The project's own reading corrections, on top of pypinyin's dictionaries.

pypinyin's phrase dictionary only lists words whose reading differs from the characters'
default readings, and it has almost no neutral tones; jieba often leaves a polyphone as a
one-character word, where pypinyin can only give the character's first reading. Three tables
fix the frequent cases:

* WORDS: whole words with their reading (checked before pypinyin's phrases);
* NEUTRAL_LAST: words whose last syllable is neutral in standard speech (朋友 peng2 you5);
* `contextual()`: rules for a polyphone standing alone, decided by its neighbours
  (还书 huan2 but 还有 hai2, 长得 zhang3, 很长 chang2, 我得去 dei3, 慢慢地 de5 ...).
"""

from __future__ import annotations

# Whole-word readings (tone 5 = neutral). Sandhi of 一/不/third tones is applied later, so
# these give citation tones for 一 (yi1) and 不 (bu4) except where the reading is neutral.
WORDS = {
    "数一数": "shu3 yi5 shu3", "数数": "shu3 shu5", "背着": "bei1 zhe5", "背起": "bei1 qi3",
    "大都": "da4 dou1", "温差": "wen1 cha1", "一会儿": "yi1 hui4 er5", "一点儿": "yi1 dian3 er5",
    "有点儿": "you3 dian3 er5", "差不多": "cha4 bu5 duo1", "为主": "wei2 zhu3",
    "约为": "yue1 wei2", "仍将": "reng2 jiang1", "画画": "hua4 hua4", "得了": "de2 le5",
    "觉得": "jue2 de5", "记得": "ji4 de5", "晓得": "xiao3 de5", "认得": "ren4 de5",
    "舍得": "she3 de5", "值得": "zhi2 de5", "懂得": "dong3 de5", "长得": "zhang3 de5",
    "干净": "gan1 jing4", "还书": "huan2 shu1", "还钱": "huan2 qian2", "还给": "huan2 gei3",
    "盛饭": "cheng2 fan4", "种花": "zhong4 hua1", "种树": "zhong4 shu4", "数钱": "shu3 qian2",
    "弹琴": "tan2 qin2", "弹钢琴": "tan2 gang1 qin2", "快乐": "kuai4 le4",
    "一等奖": "yi1 deng3 jiang3", "一年级": "yi1 nian2 ji2",
    "负荷": "fu4 he4", "应对": "ying4 dui4", "供应": "gong1 ying4", "得到": "de2 dao4",
    "睡不着": "shui4 bu4 zhao2", "找不着": "zhao3 bu4 zhao2", "用不着": "yong4 bu4 zhao2",
    # The measure word keeps its tone in careful reading (corpus convention).
    "这个": "zhe4 ge4", "那个": "na4 ge4", "哪个": "na3 ge4",
}

# Ordinal-like words whose 一 means "first" and is always yi1 (no 一 sandhi).
YI_ORDINAL = {"一等", "一年级", "一流", "一楼", "一号", "一审", "一月", "一级"}

# Standard-speech neutral tones on the last syllable (Putonghua light-tone word lists).
NEUTRAL_LAST = set("""
朋友 东西 衣服 喜欢 知道 认识 时候 事情 明白 清楚 漂亮 休息 告诉 意思 舒服 麻烦 客气
便宜 聪明 眼睛 耳朵 地方 先生 豆腐 窗户 头发 晚上 早上 消息 故事 月亮 玻璃 葡萄 黄瓜
打听 商量 打扮 收拾 凉快 热闹 结实 厉害 规矩 脑袋 嘴巴 尾巴 亲戚 丈夫 媳妇 姑娘 队伍
生意 主意 力气 脾气 运气 名字 味道 谢谢 太太 见识 答应 钥匙 萝卜 石头 木头 骨头 馒头
舌头 枕头 相声 护士 师傅 学问 笑话 委屈 糊涂 老实 苗条 多少 咳嗽 喇叭 琵琶 狐狸 骆驼
蘑菇 核桃 胳膊 指甲 眉毛 招呼 称呼 点心 风筝 灯笼 云彩 庄稼 动静 心思 伙计 行李 欺负
吩咐 嘱咐 打算 琢磨 折腾 应酬 什么 怎么 这么 那么 多么 为什么 暖和 困难 溜达 交情
""".split())

# Reduplicated kinship terms, nouns and one-syllable verbs: the second syllable is neutral.
NEUTRAL_REDUPLICATION = set("妈爸哥姐弟妹爷奶姥叔伯舅姑婶婆公宝娃太星猩谢"
                            "看听想说试走坐问找等聊谈尝写读玩笑跑跳动摸算歇")

# One-character words that are grammatical particles: always neutral when they stand alone.
PARTICLES = {"的": "de5", "了": "le5", "吗": "ma5", "呢": "ne5", "吧": "ba5",
             "啊": "a5", "呀": "ya5", "啦": "la5", "嘛": "ma5", "么": "me5", "们": "men5",
             "哇": "wa5", "哦": "o5"}

# A particle between two characters of a word pypinyin does not list (跑得快, 看着书, 吃了饭).
INFIX_PARTICLES = {"得": "de5", "着": "zhe5", "了": "le5"}

# 儿 that ends these words is its own syllable er2, not an erhua suffix.
NOT_ERHUA = {"女儿", "儿子", "婴儿", "幼儿", "孤儿", "健儿", "男儿", "宠儿", "胎儿",
             "新生儿", "混血儿", "患儿", "少儿", "侄儿", "孙儿", "弃儿"}

NUMERAL_CHARS = set("零一二三四五六七八九十百千万亿两几")
NUMBER_WORD_CHARS = (NUMERAL_CHARS - {"几"}) | {"幺"}
# One-syllable words that lean on the word before them when they are neutral.
CLITICS = set(PARTICLES) | {"着", "地", "得"}
PRONOUNS = {"我", "你", "他", "她", "它", "您", "我们", "你们", "他们", "她们", "咱们", "人家"}
_SUBJECTS = PRONOUNS | {"咱", "大家", "谁", "也", "还", "就", "都", "总", "又", "必须", "只"}
_DEGREE = {"很", "太", "真", "挺", "更", "最", "比较", "非常", "特别", "有点", "这么", "那么", "多"}
_RETURNED = {"书", "钱", "债", "款", "账", "贷款", "给", "回", "清", "上"}


def is_number(text: str) -> bool:
    """A word made only of numerals (三百六十五, 二零二四, 幺幺零)."""
    return bool(text) and all(ch in NUMBER_WORD_CHARS for ch in text)


def _first(text: str | None) -> str:
    return text[0] if text else ""


def _last(text: str | None) -> str:
    return text[-1] if text else ""


def _de(prev: str | None, nxt: str | None) -> str:
    """得: de2 'obtain' before 了/到; dei3 'must' between a subject and a verb; else de5."""
    if nxt in ("了", "到"):
        return "de2"
    if prev in _SUBJECTS and nxt and nxt != "很":
        return "dei3"
    return "de5"


def _di(prev: str | None, nxt: str | None) -> str:
    """地: the adverbial particle de5 after a word of two or more characters; else 'ground'."""
    if nxt and prev and len(prev) >= 2 and _last(prev) not in "块片亩这那":
        return "de5"
    return "di4"


def _after(prev: str | None, chars) -> bool:
    return bool(prev) and _last(prev) in chars


def _before(nxt: str | None, chars) -> bool:
    return bool(nxt) and _first(nxt) in chars


def contextual(ch: str, prev: str | None, nxt: str | None) -> str | None:
    """Reading of the one-character word `ch` between the words `prev` and `nxt`, or None."""
    if ch in PARTICLES:
        return PARTICLES[ch]
    if ch in _RULES:
        return _RULES[ch](prev, nxt)
    return _STANDALONE.get(ch)


_MEASURE_BEFORE = NUMERAL_CHARS | set("这那每哪各某此单")

_RULES = {
    "得": _de,
    "地": _di,
    "还": lambda p, n: "huan2" if n in _RETURNED or n in PRONOUNS else "hai2",
    "长": lambda p, n: "zhang3" if p not in _DEGREE and _before(n, "大高得成胖出满了") else "chang2",
    "为": lambda p, n: "wei2" if _before(n, NUMERAL_CHARS | set("主止期")) else "wei4",
    "行": lambda p, n: "hang2" if _after(p, _MEASURE_BEFORE) else "xing2",
    "重": lambda p, n: "chong2" if _before(n, "新复来做写建演播申逢叠返温") else "zhong4",
    "只": lambda p, n: "zhi1" if _after(p, _MEASURE_BEFORE) else "zhi3",
    "种": lambda p, n: ("zhong3" if _after(p, _MEASURE_BEFORE)
                        else "zhong4" if _before(n, "花树菜地田草瓜豆粮") else "zhong3"),
    "干": lambda p, n: ("gan1" if p in _DEGREE or _after(p, "擦晒烘吹烤") or _before(n, "净燥旱杯")
                        else "gan4"),
    "假": lambda p, n: "jia4" if _after(p, "请放休度暑寒病事婚产") else "jia3",
    "数": lambda p, n: "shu3" if n else "shu4",  # a verb when something follows: 数钱, 数一下
    "觉": lambda p, n: "jiao4" if p and ("睡" in p or _last(p) == "午") else "jue2",
    "着": lambda p, n: "zhao2" if _after(p, "不睡") else "zhe5",
    "盛": lambda p, n: "cheng2" if n == "了" or _before(n, "饭汤粥水菜") else "sheng4",
    "空": lambda p, n: "kong4" if p in ("有", "没", "没有") else "kong1",
    "背": lambda p, n: "bei1" if n in ("书包", "包", "着", "孩子", "起") else "bei4",
    "弹": lambda p, n: "tan2" if _before(n, "琴钢吉") else "dan4",
    "倒": lambda p, n: "dao4" if _before(n, "是水车茶酒退") else "dao3",
    "调": lambda p, n: "tiao2" if _before(n, "高低大小快慢亮暗整节好匀") else "diao4",
}

# Standing alone, these are read differently from pypinyin's first reading of the character.
_STANDALONE = {
    "差": "cha4", "教": "jiao1", "应": "ying1", "都": "dou1", "便": "bian4", "乐": "le4",
    "分": "fen1", "处": "chu4", "将": "jiang1", "要": "yao4", "好": "hao3",
}
