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

/** The UI may spend at most 1/UI_BUDGET_DIVISOR of the CPU drawing: when a frame costs more (a big
 *  screen, a slow machine), the next frame waits longer, so rendering never starves the servers that
 *  share this process. A frame's cost does not depend on the event rate (Ink redraws every cell of the
 *  screen, 10–30 ms for 120×40), so this is the one knob between the servers' share and the screen's
 *  freshness: a tenth keeps a flood of SMTP sessions at 0.8× or more of its headless rate, and a new
 *  session reaches the screen within about two frame intervals. */
const UI_BUDGET_DIVISOR = 10;
/** However slow drawing gets, the screen still updates this often. */
const MAX_FRAME_INTERVAL_MS = 1_000;

/** CPU milliseconds this process has used. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
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
  const pacing = useRef({ interval: 1000 / Math.max(1, fps), renderStartedAt: null as number | null });

  useEffect(() => {
    const base = 1000 / Math.max(1, fps);
    pacing.current.interval = base;
    let queue: TranscriptEvent[] = [];
    let timer: NodeJS.Timeout | null = null;
    let lastFlush = 0;
    const flush = () => {
      timer = null;
      lastFlush = Date.now();
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
      timer ??= setTimeout(flush, Math.max(0, lastFlush + pacing.current.interval - Date.now()));
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
    p.interval = Math.min(MAX_FRAME_INTERVAL_MS, Math.max(1000 / Math.max(1, fps), cost * UI_BUDGET_DIVISOR));
  }, [fps]);

  return { model, version, frameStarted, frameDone };
}
