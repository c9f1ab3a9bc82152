"""Training data for the embedded demo voice: Chinese text -> compress.frontend -> espeak-ng ->
KAN-TTS features.

    corpus            sentences: written for the project, generated from jieba's word list, held out
    plan              a ttsfrd line as syllables (initial + final tokens) and breaks
    pinyin            pinyin <-> the two KAN-TTS phones of a syllable
    styles            speakers (espeak-ng variants) and emotions (SSML prosody)
    espeak            libespeak-ng through ctypes: audio + word/phoneme events
    align             events -> token boundaries -> token durations in frames
    render            one plan in one speaker and emotion -> waveform + boundaries
    features          rendering -> trimmed, length-consistent KAN-TTS features
    build             the whole dataset (two passes, temp dir, renamed at the end)
    dataset           the on-disk format and a numpy loader
    report            what a build measures (F0 per speaker x emotion, speaking rate, rejections)
    voice_config      the demo voice's KAN-TTS configs (small dims for a 2-core build)
    train             both trainings, in two processes
    voice_build       data + training + the KAN-TTS voice dir

Entry points: `build.build_dataset(out_dir, BuildConfig(...))`, `dataset.load_index(root)`,
`dataset.load_utterance(root, row)`, `build.render_text(...)` (espeak-ng reference audio),
`train.train_both(...)` and `voice_build.build_voice(...)` (the whole voice); on the command
line `sambert-compress demo-voice build|data|report|plot`.
"""
