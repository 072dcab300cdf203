/**
 * A handler worker thread (started by handler-pool.ts): loads handler modules by their entry path, each in the
 * function's init environment, and runs invocations as the engine would in-process: a Lambda-shaped context whose
 * remaining time counts down to the engine's deadline, the invocation's own process.env (several invocations run
 * at once in one worker), and, when the runtime traces, a facade segment of the trace header so the handler's
 * subsegments hang under the function segment and go to the X-Ray daemon. The function segment itself, faults,
 * timeouts, retries and metrics stay with the engine in the local cloud's thread.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { configureHandlerXRay, runInInvocationSegment } from '../xray/invocation-segment';
import { parseTraceHeader } from '../xray/trace-header';
import { installEnvironmentIsolation, runWithEnvironment } from './function-environment';
import { type HandlerWorkerData, type WorkerReply, type WorkerRequest, toInvocationError } from './handler-protocol';
import type { InvocationError, LambdaContext, LambdaHandler } from './types';

const data = workerData as HandlerWorkerData;
const port = parentPort;
if (port === null) throw new Error('handler-worker.ts runs only as a worker thread (handler-pool.ts starts it)');

// On Linux a thread's nice value is its own: this lowers the worker's JS thread only, so the local cloud's thread
// (the edge every AWS call goes through) is served first when the cores are busy. Only ever lowered: a process started
// nicer than that (`nice -n 15 npm start`) keeps its value, since raising it back needs CAP_SYS_NICE.
if (data.niceness > 0) {
  try {
    if (getPriority() < data.niceness) setPriority(data.niceness);
  } catch {
    // The platform refuses: the worker runs at the priority it inherited.
  }
}
installEnvironmentIsolation();
// Before any handler module loads, as in the cloud's thread (../xray/lambda-tracing.ts).
if (data.daemonAddress !== undefined) configureHandlerXRay(data.daemonAddress);

const modules = new Map<string, { readonly handler: LambdaHandler } | { readonly error: InvocationError }>();

const load = (entry: string, initEnvironment: Readonly<Record<string, string>>): void => {
  if (modules.has(entry)) return;
  try {
    const loaded = runWithEnvironment(initEnvironment, () => require(entry) as { handler?: unknown });
    if (typeof loaded.handler !== 'function') throw new Error(`${entry} does not export a function named handler`);
    modules.set(entry, { handler: loaded.handler as LambdaHandler });
  } catch (error) {
    modules.set(entry, { error: toInvocationError(error) });
  }
};

const reply = (message: WorkerReply): void => port.postMessage(message);

const invoke = async (request: Extract<WorkerRequest, { type: 'invoke' }>): Promise<void> => {
  const module = modules.get(request.entry);
  if (module === undefined || 'error' in module) {
    reply({
      type: 'error',
      id: request.id,
      error: module?.error ?? {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: `The handler module ${request.entry} was not loaded in this worker`,
      },
    });
    return;
  }
  const { deadline, ...contextData } = request.context;
  const context: LambdaContext = {
    ...contextData,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const work = async (): Promise<unknown> => module.handler(request.event, context);
  try {
    const result = await runWithEnvironment(request.environment, () => {
      const segment = request.traced ? parseTraceHeader(request.environment._X_AMZN_TRACE_ID) : undefined;
      return segment?.parentId === undefined
        ? work()
        : runInInvocationSegment({ ...segment, parentId: segment.parentId }, work);
    });
    // As Lambda serialises a result (undefined becomes null); a value JSON cannot carry fails the invocation.
    reply({ type: 'result', id: request.id, json: JSON.stringify(result) ?? 'null' });
  } catch (error) {
    reply({ type: 'error', id: request.id, error: toInvocationError(error) });
  }
};

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'load') {
    load(request.module.entry, request.module.initEnvironment);
    const loaded = modules.get(request.module.entry);
    reply({ type: 'loaded', id: request.id, ...(loaded && 'error' in loaded ? { error: loaded.error } : {}) });
    return;
  }
  void invoke(request);
});
