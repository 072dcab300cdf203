/**
 * CDKTF entry: stage config in, one stack per stage out, `app.synth()` writes cdktf.out.
 * STAGES=dev (comma-separated) limits the stages; the backend follows TF_CLOUD_ORGANIZATION / TF_STATE_BUCKET.
 * Policy violations fail the synth; warnings are written to stderr (cdktf-cli prints them itself).
 */
import { AnnotationMetadataEntryType, App } from 'cdktf';
import { chooseBackend } from './modules/backend';
import { PlatformStack, stackName } from './modules/platform-stack';
import { annotationsOf } from './modules/policies';
import { stageConfig } from './modules/stage-config';

const app = new App();
const stacks = (process.env.STAGES ?? 'dev,prod').split(',').map((stage) => {
  const config = stageConfig(stage.trim());
  return new PlatformStack(app, stackName(config), { config, backend: chooseBackend(config, process.env), rootDir: __dirname });
});
app.synth();
for (const warning of stacks.flatMap((stack) => annotationsOf(stack, AnnotationMetadataEntryType.WARN))) process.stderr.write(`warning: ${warning}\n`);
