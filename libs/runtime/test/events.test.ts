import { describe, expect, it } from '@jest/globals';
import { EventCorrelator, type EventInput } from '../src/index.js';

const failed: EventInput = {
  type: 'Warning',
  reason: 'FetchFailed',
  message: 'connection refused',
};
const other: EventInput = { type: 'Warning', reason: 'FetchFailed', message: 'timeout' };

describe('EventCorrelator', () => {
  it.each<{
    name: string;
    steps: { uid: string; event: EventInput; advanceMs: number }[];
    want: string[];
  }>([
    {
      name: 'a repeat within the window bumps the count',
      steps: [
        { uid: 'u1', event: failed, advanceMs: 0 },
        { uid: 'u1', event: failed, advanceMs: 1_000 },
        { uid: 'u1', event: failed, advanceMs: 1_000 },
      ],
      want: ['create', 'update:2', 'update:3'],
    },
    {
      name: 'a different message is a different event',
      steps: [
        { uid: 'u1', event: failed, advanceMs: 0 },
        { uid: 'u1', event: other, advanceMs: 0 },
        { uid: 'u1', event: failed, advanceMs: 0 },
      ],
      want: ['create', 'create', 'update:2'],
    },
    {
      name: 'the same event about another object is another event',
      steps: [
        { uid: 'u1', event: failed, advanceMs: 0 },
        { uid: 'u2', event: failed, advanceMs: 0 },
      ],
      want: ['create', 'create'],
    },
    {
      name: 'after the window a fresh event is created',
      steps: [
        { uid: 'u1', event: failed, advanceMs: 0 },
        { uid: 'u1', event: failed, advanceMs: 60_000 },
        { uid: 'u1', event: failed, advanceMs: 60_001 },
      ],
      want: ['create', 'update:2', 'create'],
    },
  ])('$name', ({ steps, want }) => {
    let now = 0;
    const correlator = new EventCorrelator({ windowMs: 60_000, now: () => now });
    const got: string[] = [];
    steps.forEach(({ uid, event, advanceMs }, i) => {
      now += advanceMs;
      const key = EventCorrelator.key(uid, event);
      const c = correlator.correlate(key);
      got.push(c.action === 'create' ? 'create' : `update:${c.count}`);
      if (c.action === 'create') correlator.remember(key, `event-${i}`);
    });
    expect(got).toEqual(want);
  });

  it('forgets the oldest events beyond its size', () => {
    const correlator = new EventCorrelator({ maxEntries: 2 });
    for (const uid of ['a', 'b', 'c']) correlator.remember(EventCorrelator.key(uid, failed), uid);
    expect(correlator.size).toBe(2);
    expect(correlator.correlate(EventCorrelator.key('a', failed)).action).toBe('create');
    expect(correlator.correlate(EventCorrelator.key('c', failed))).toEqual({
      action: 'update',
      name: 'c',
      count: 2,
    });
  });
});
