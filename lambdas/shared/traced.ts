/**
 * The X-Ray subsegment every saga step and processor runs its work in. Lambda's own segment cannot be annotated,
 * so the annotations (orderId, the step or processor) go on a subsegment of it.
 */
import { tracer } from './powertools';

/**
 * Runs `work` in a subsegment `name` carrying `annotations`, records a thrown error on it and restores the parent
 * segment afterwards. Just runs `work` when tracing is off or there is no segment to hang the subsegment on.
 */
export const traced = async <T>(
  name: string,
  annotations: Readonly<Record<string, string>>,
  work: () => Promise<T>,
): Promise<T> => {
  if (!tracer.isTracingEnabled()) return work();
  const parent = tracer.getSegment();
  const segment = parent?.addNewSubsegment(name);
  if (segment === undefined) return work();
  tracer.setSegment(segment);
  try {
    for (const [key, value] of Object.entries(annotations)) tracer.putAnnotation(key, value);
    return await work();
  } catch (error) {
    segment.addError(error as Error);
    throw error;
  } finally {
    segment.close();
    if (parent !== undefined) tracer.setSegment(parent);
  }
};
