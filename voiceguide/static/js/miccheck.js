// @ts-check
// The microphone check: explain the permission request, record a few seconds, play them back.

import { $ } from './dom.js';
import { save } from './prefs.js';
import { MicrophoneError, openMicrophone, Recording } from './recorder.js';
import { audioContext, unlockAudio } from './tones.js';

const TEST_SECONDS = 4;

export function setUpMicCheck(root, { announce, showError, clearError, firstVisit }) {
  /** @type {HTMLDetailsElement|null} */
  const details = $('#mic-check', root);
  if (!details) return;
  if (firstVisit) details.open = true;
  /** @type {HTMLButtonElement} */
  const button = $('[data-action="mic-test"]', details);
  const levelRow = $('#mic-level-row', details);
  /** @type {HTMLMeterElement} */
  const level = $('#mic-level', details);
  const result = $('#mic-result', details);
  /** @type {HTMLAudioElement} */
  const playback = $('#mic-playback', details);

  button.addEventListener('click', async () => {
    button.disabled = true;
    result.textContent = '';
    playback.hidden = true;
    await unlockAudio();
    let stream;
    try {
      stream = await openMicrophone();
    } catch (error) {
      button.disabled = false;
      const message = error instanceof MicrophoneError ? error.message : String(error);
      result.textContent = 'The microphone check did not work.';
      showError(message);
      return;
    }
    clearError();
    levelRow.hidden = false;
    announce(`Recording a ${TEST_SECONDS}-second test. Say a few words.`);
    result.textContent = `Recording: say a few words (${TEST_SECONDS} seconds).`;
    const recording = new Recording(stream, audioContext(), {
      pauseSeconds: null,
      maxSeconds: TEST_SECONDS,
      onLevel: (value) => {
        level.value = value;
        level.textContent = `${Math.round(value * 100)}%`;
      },
    });
    const { blob, spoke } = await recording.start();
    levelRow.hidden = true;
    button.disabled = false;
    if (playback.src) URL.revokeObjectURL(playback.src);
    playback.src = URL.createObjectURL(blob);
    playback.hidden = false;
    result.textContent = spoke
      ? 'Playing your test back. If you hear yourself, your microphone works.'
      : 'We heard very little. Check that the right microphone is chosen and not muted, ' +
        'then try again. Playing back what was recorded.';
    announce(result.textContent);
    save('mic-checked', true);
    playback.play().catch(() => {});
  });
}
