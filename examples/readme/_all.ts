// Written by `deno task readme:examples` from README.md: do not edit.

/** Each README example by file name: calling it imports, and so runs, it. */
export const README_EXAMPLES: Record<string, () => Promise<unknown>> = {
  "01_a_first_example.ts": () => import("./01_a_first_example.ts"),
  "02_djangos_models.ts": () => import("./02_djangos_models.ts"),
  "03_async_receivers.ts": () => import("./03_async_receivers.ts"),
  "04_ending_a_connection.ts": () => import("./04_ending_a_connection.ts"),
  "05_waiting_for_a_send.ts": () => import("./05_waiting_for_a_send.ts"),
  "06_types_that_catch_mistakes.ts": () =>
    import("./06_types_that_catch_mistakes.ts"),
  "07_across_processes.ts": () => import("./07_across_processes.ts"),
};
