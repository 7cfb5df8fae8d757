import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { progressSink, progressText } from './progress.ts';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  const s = Object.assign(
    new Writable({
      write(c, _e, done) {
        chunks.push(String(c));
        done();
      },
    }),
    { isTTY, columns: 80 },
  );
  return { s, text: () => chunks.join('') };
}

test('on a terminal: one line rewritten in place, cleared at the end, log lines above it', () => {
  const { s, text } = stream(true);
  const p = progressSink(s);
  p.update('first');
  p.log('found something');
  p.done('finished');
  expect(text()).toBe('\rfirst\x1b[K\r\x1b[Kfound something\n\rfirst\x1b[K\r\x1b[Kfinished\n');
});

test('elsewhere: plain lines at an interval, never a carriage return', () => {
  const { s, text } = stream(false);
  const p = progressSink(s, { intervalMs: 0 });
  p.update('one');
  p.update('two');
  p.done();
  expect(text()).toBe('one\ntwo\n');
  const quiet = stream(false);
  const q = progressSink(quiet.s, { quiet: true, intervalMs: 0 });
  q.update('x');
  q.log('y');
  q.done();
  expect(quiet.text()).toBe('');
});

test('the progress text: runs, failures, rate', () => {
  expect(progressText('native / glibc', { runs: 50, failures: 0, shrinking: false, elapsedMs: 2000 }, 200)).toBe('native / glibc: 50/200 runs, 0 failing, 25.0 runs/s, 2 s');
  expect(progressText('x', { runs: 250, failures: 9, shrinking: true, elapsedMs: 10_000 }, 200)).toBe('x: shrinking: 250 runs, 9 failing, 25.0 runs/s, 10 s');
});
