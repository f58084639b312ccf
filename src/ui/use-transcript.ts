import { useCallback, useEffect, useRef, useState } from 'react';
import type { TranscriptListener } from '../transcript/bus.js';
import type { TranscriptEvent } from '../transcript/events.js';
import { DEFAULT_UI_LIMITS, TranscriptModel, type UiLimits } from './model.js';

/** Where the UI reads events from: the sandbox's transcript (or a bare bus in tests). */
export interface TranscriptSource {
  subscribe(listener: TranscriptListener): () => void;
  history(sid?: string): TranscriptEvent[];
}

/** Frames per second the UI redraws at most; an admin cannot read faster, and the servers keep the CPU. */
export const DEFAULT_FPS = 10;

/** The share of the CPU the UI may spend drawing: an eighth while the servers are idle, down to a
 *  sixteenth while they keep the event loop busy. When a frame costs more (a big screen, a slow
 *  machine), the next one waits longer, so rendering never starves the servers that share this
 *  process. A frame's cost does not depend on the event rate (Ink redraws every cell of the screen,
 *  10–30 ms for 120×40), so this share is the one knob between the servers' throughput and the
 *  screen's freshness: under a flood of SMTP sessions (bench/ui.ts) a sixteenth keeps the servers near
 *  their headless rate and a new session reaches the screen in well under 250 ms. */
const IDLE_BUDGET_DIVISOR = 8;
const BUSY_BUDGET_DIVISOR = 16;
/** However slow drawing gets, the screen still updates this often. */
const MAX_FRAME_INTERVAL_MS = 1_000;

/** Milliseconds from one frame to the next: at most `fps` a second, and `costMs` (one frame's CPU time)
 *  at most its share of the time, given how busy the event loop was since the last frame (0–1). */
export function frameInterval(costMs: number, busy: number, fps: number): number {
  const share = Math.min(1, Math.max(0, busy));
  const divisor = IDLE_BUDGET_DIVISOR + (BUSY_BUDGET_DIVISOR - IDLE_BUDGET_DIVISOR) * share;
  return Math.min(MAX_FRAME_INTERVAL_MS, Math.max(1000 / Math.max(1, fps), costMs * divisor));
}

/** CPU milliseconds this process has used. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * A clock that runs while the process works (CPU time) or has nothing to do (event loop idle), and
 * stops while it waits for a core on a busy machine. Frames are spaced on it, so the UI's share is a
 * share of what the process gets: on a machine shared with other work, wall-clock spacing would let
 * the same frames take twice the share of a process that gets half a core.
 */
function processClockMs(): number {
  return cpuMs() + performance.eventLoopUtilization().idle;
}

/** Events queued between frames before they are folded into the model early (a stalled timer must not
 *  let the queue grow without bound). */
const MAX_QUEUED = 20_000;

/**
 * Subscribes once and batches: the bus listener only pushes onto an array (the protocol sessions
 * never wait on rendering); a timer folds the queue into the model at most `fps` times a second and
 * bumps one piece of React state, so a burst of 10,000 events costs one render, not 10,000.
 */
export function useTranscript(
  source: TranscriptSource,
  fps = DEFAULT_FPS,
  limits: UiLimits = DEFAULT_UI_LIMITS,
): { model: TranscriptModel; version: number; frameStarted: () => void; frameDone: () => void } {
  const modelRef = useRef<TranscriptModel | null>(null);
  modelRef.current ??= new TranscriptModel(limits);
  const model = modelRef.current;
  const [version, setVersion] = useState(0);
  const pacing = useRef({
    interval: 1000 / Math.max(1, fps),
    renderStartedAt: null as number | null,
    loop: performance.eventLoopUtilization(),
  });

  useEffect(() => {
    pacing.current.interval = 1000 / Math.max(1, fps);
    let queue: TranscriptEvent[] = [];
    let timer: NodeJS.Timeout | null = null;
    // When the last frame started, on the process clock and on the wall clock.
    let lastFlush = { clock: -Infinity, wall: -Infinity };
    // A frame waits for both clocks: the process clock can also run ahead of the wall clock (GC
    // threads add CPU time), and `fps` is a cap in real time.
    const minWall = 1000 / Math.max(1, fps);
    const wait = () =>
      Math.max(
        lastFlush.wall + minWall - Date.now(),
        lastFlush.clock + pacing.current.interval - processClockMs(),
      );
    const flush = () => {
      timer = null;
      // The process clock runs slower than the wall clock when this process waits for a core: not
      // yet (unless the screen has not moved for MAX_FRAME_INTERVAL_MS).
      const early = wait();
      if (early > 0 && Date.now() - lastFlush.wall < MAX_FRAME_INTERVAL_MS) {
        timer = setTimeout(flush, Math.max(5, early));
        return;
      }
      lastFlush = { clock: processClockMs(), wall: Date.now() };
      const batch = queue;
      queue = [];
      model.ingestAll(batch);
      setVersion(model.version);
    };
    const unsubscribe = source.subscribe((event) => {
      queue.push(event);
      if (queue.length >= MAX_QUEUED) {
        model.ingestAll(queue);
        queue = [];
      }
      timer ??= setTimeout(flush, Math.max(0, wait()));
    });
    // What happened before the UI subscribed (the model skips events it has already seen).
    model.ingestAll(source.history());
    setVersion(model.version);
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [source, fps, model]);

  /** The App calls this first thing when it renders… */
  const frameStarted = useCallback(() => {
    pacing.current.renderStartedAt ??= cpuMs();
  }, []);
  /** …and this in a layout effect: React renders, commits and Ink writes the frame in one synchronous
   *  run, so the CPU time between the two is what one frame costs. CPU time, not wall time: on a busy
   *  machine a frame waits for a core too, and that wait takes nothing from the servers. */
  const frameDone = useCallback(() => {
    const p = pacing.current;
    if (p.renderStartedAt === null) return;
    const cost = cpuMs() - p.renderStartedAt;
    p.renderStartedAt = null;
    const busy = performance.eventLoopUtilization(p.loop).utilization;
    p.loop = performance.eventLoopUtilization();
    p.interval = frameInterval(cost, busy, fps);
  }, [fps]);

  return { model, version, frameStarted, frameDone };
}
