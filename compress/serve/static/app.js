// The page: pickers filled from /api/voices, streamed playback of /api/tts (PCM chunks played
// through Web Audio as they arrive), then the whole WAV in the <audio> element for replay and
// download; with A/B on, the same text from a second model, switchable at the same position.
"use strict";

const $ = (id) => document.getElementById(id);
let voices = [];
let context = null; // one AudioContext, made on the first click (browsers want a gesture)
const takes = { a: null, b: null };

function option(select, value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label || value;
  select.appendChild(o);
}

function voiceNamed(name) {
  return voices.find((v) => v.name === name);
}

function fillSpeakers() {
  const voice = voiceNamed($("model").value);
  $("speaker").innerHTML = "";
  voice.speakers.forEach((s) => option($("speaker"), s.name));
  fillEmotions();
}

function fillEmotions() {
  const voice = voiceNamed($("model").value);
  const speaker = voice.speakers.find((s) => s.name === $("speaker").value);
  $("emotion").innerHTML = "";
  speaker.emotions.forEach((e) => option($("emotion"), e));
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function wavBlob(pcm, rate) {
  const header = new DataView(new ArrayBuffer(44));
  const text = (at, s) => [...s].forEach((c, i) => header.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF"); header.setUint32(4, 36 + pcm.byteLength, true); text(8, "WAVE");
  text(12, "fmt "); header.setUint32(16, 16, true); header.setUint16(20, 1, true); header.setUint16(22, 1, true);
  header.setUint32(24, rate, true); header.setUint32(28, rate * 2, true); header.setUint16(32, 2, true);
  header.setUint16(34, 16, true); text(36, "data"); header.setUint32(40, pcm.byteLength, true);
  return new Blob([header, pcm], { type: "audio/wav" });
}

// Fetch one model's speech as a PCM stream; play the chunks as they come when `live`.
async function synthesize(model, live) {
  if (live && !context) context = new AudioContext();
  const body = {
    text: $("text").value, voice: model, speaker: $("speaker").value, emotion: $("emotion").value,
    speed: parseFloat($("speed").value), output_format: "pcm", stream: true,
  };
  const started = performance.now();
  const response = await fetch("/api/tts", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) {
    const answer = await response.json().catch(() => ({ error: response.statusText }));
    throw new Error(`${response.status}: ${answer.error}`);
  }
  const rate = parseInt(response.headers.get("X-Sample-Rate"), 10);
  const audio = live ? context : null;
  let playAt = audio ? audio.currentTime + 0.05 : 0;
  let firstMs = null;
  let carry = new Uint8Array(0);
  const parts = [];
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (firstMs === null) firstMs = performance.now() - started;
    const bytes = new Uint8Array(carry.length + value.length);
    bytes.set(carry); bytes.set(value, carry.length);
    const even = bytes.length - (bytes.length % 2);
    carry = bytes.slice(even);
    const samples = new Int16Array(bytes.buffer.slice(0, even));
    parts.push(samples);
    if (audio && samples.length) {
      const buffer = audio.createBuffer(1, samples.length, rate); // resampled by the browser
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
      const source = audio.createBufferSource();
      source.buffer = buffer;
      source.connect(audio.destination);
      playAt = Math.max(playAt, audio.currentTime);
      source.start(playAt);
      playAt += buffer.duration;
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const pcm = new Int16Array(total);
  let at = 0;
  parts.forEach((p) => { pcm.set(p, at); at += p.length; });
  const blob = wavBlob(pcm.buffer, rate);
  return {
    blob, url: URL.createObjectURL(blob), cache: response.headers.get("X-Cache"), firstMs,
    totalMs: performance.now() - started, seconds: total / rate, model,
  };
}

function show(side) {
  const take = takes[side];
  if (!take) return;
  const player = $("player");
  const position = player.currentTime || 0;
  const wasPlaying = !player.paused;
  player.src = take.url;
  player.currentTime = Math.min(position, take.seconds);
  if (wasPlaying) player.play().catch(() => {});
  $("download").href = player.src;
  $("download").download = `${take.model}.wav`;
  $("download").hidden = false;
}

function describe(take) {
  return `${take.model}: ${take.seconds.toFixed(2)} s of audio, first audio after ` +
    `${Math.round(take.firstMs)} ms, all after ${Math.round(take.totalMs)} ms` +
    (take.cache ? ` (cache ${take.cache})` : "");
}

async function speak() {
  $("speak").disabled = true;
  status("synthesizing…");
  [takes.a, takes.b].forEach((take) => take && URL.revokeObjectURL(take.url));
  try {
    takes.a = await synthesize($("model").value, true);
    takes.b = $("ab").checked ? await synthesize($("model-b").value, false) : null;
    document.querySelector('input[name="side"][value="a"]').checked = true;
    $("ab-switch").hidden = !takes.b;
    show("a");
    status([takes.a, takes.b].filter(Boolean).map(describe).join("; "));
  } catch (err) {
    status(String(err.message || err), true);
  } finally {
    $("speak").disabled = false;
  }
}

async function start() {
  const response = await fetch("/api/voices");
  const listed = await response.json();
  voices = listed.voices;
  voices.forEach((v) => { option($("model"), v.name); option($("model-b"), v.name); });
  if (voices.length > 1) $("model-b").value = voices[1].name;
  $("text").maxLength = listed.max_chars;
  $("voices").textContent = JSON.stringify(voices, null, 1);
  fillSpeakers();
  $("model").addEventListener("change", fillSpeakers);
  $("speaker").addEventListener("change", fillEmotions);
  $("speed").addEventListener("input", () => { $("speed-value").textContent = (+$("speed").value).toFixed(2); });
  $("speak").addEventListener("click", speak);
  document.querySelectorAll('input[name="side"]').forEach((r) => r.addEventListener("change", () => show(r.value)));
  document.body.dataset.ready = "true";
}

start().catch((err) => status(`cannot read the voice list: ${err}`, true));
