import { describeError, type Logger } from "@polyscale/platform";

/**
 * One step of a flow that spans services, with its undo written beside it (as Medusa's workflows keep a step's
 * compensation next to the step): `invoke` does the work; `compensate` undoes it when a later step fails, given the
 * step's input and its output (undefined when invoke itself failed).
 */
export interface Step<Input, Output> {
  /** Names the step in the log line of an undo that failed. */
  name: string;
  invoke: (input: Input) => Promise<Output>;
  /** Absent for a step with nothing to undo (a read, or a transaction that is all or nothing). */
  compensate?: (input: Input, output: Output | undefined) => Promise<void>;
  /**
   * Whether a failure of invoke may still have taken effect (a call that timed out after it was sent), so the step
   * must be undone like one that succeeded. Absent: a failed invoke took nothing.
   */
  mayHaveTakenEffect?: (error: unknown) => boolean;
}

export interface SagaOptions {
  /** Where an undo that failed is logged (the request's logger). */
  logger: Logger;
}

/**
 * Runs steps one after another and remembers the undo of each that took effect. When the flow fails, the undos run
 * last first; an undo that fails is logged and the others still run, and the flow's own error is what the caller gets.
 */
export class Saga {
  private readonly undos: Array<{ name: string; undo: () => Promise<void> }> = [];

  constructor(private readonly options: SagaOptions) {}

  /** Invokes the step and returns its output; its compensation is kept for compensate(). */
  async run<Input, Output>(step: Step<Input, Output>, input: Input): Promise<Output> {
    const { compensate } = step;
    try {
      const output = await step.invoke(input);
      if (compensate) this.undos.push({ name: step.name, undo: () => compensate(input, output) });
      return output;
    } catch (error) {
      if (compensate && step.mayHaveTakenEffect?.(error)) {
        this.undos.push({ name: step.name, undo: () => compensate(input, undefined) });
      }
      throw error;
    }
  }

  /** Undoes the steps that took effect, last first, once each. Never throws. */
  async compensate(): Promise<void> {
    for (const { name, undo } of this.undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        // What an undo leaves behind is found later by the reconciler (it repairs every step of a placement).
        this.options.logger.warn({ step: name, err: describeError(error) }, "could not undo a step of a failed flow");
      }
    }
  }
}

/** Runs `flow` with a saga; if it throws, the saga's steps are undone before the error goes on to the caller. */
export async function withSaga<T>(logger: Logger, flow: (saga: Saga) => Promise<T>): Promise<T> {
  const saga = new Saga({ logger });
  try {
    return await flow(saga);
  } catch (error) {
    await saga.compensate();
    throw error;
  }
}
