/**
 * CDKTF entry: stage config in, one stack per stage out, `app.synth()` writes cdktf.out.
 * STAGES=dev (comma-separated) limits the stages; the backend follows TF_CLOUD_ORGANIZATION / TF_STATE_BUCKET.
 */
import { App } from 'cdktf';
import { chooseBackend } from './modules/backend';
import { PlatformStack, stackName } from './modules/platform-stack';
import { stageConfig } from './modules/stage-config';

const app = new App();
for (const stage of (process.env.STAGES ?? 'dev,prod').split(',')) {
  const config = stageConfig(stage.trim());
  new PlatformStack(app, stackName(config), { config, backend: chooseBackend(config, process.env), rootDir: __dirname });
}
app.synth();
