import { DeployUsageError, parseDeployArgs } from './deploy';

describe('npm run deploy arguments', () => {
  it('takes the stage and the plan switch', () => {
    expect(parseDeployArgs(['--stage', 'dev', '--plan'])).toEqual({ stage: 'dev', planOnly: true });
    expect(parseDeployArgs(['--plan', '--stage', 'prod'])).toEqual({ stage: 'prod', planOnly: true });
    expect(parseDeployArgs(['--stage', 'prod'])).toEqual({ stage: 'prod', planOnly: false });
  });

  it('refuses a missing stage and unknown options with the usage line', () => {
    expect(() => parseDeployArgs([])).toThrow(DeployUsageError);
    expect(() => parseDeployArgs(['--stage', '--plan'])).toThrow(
      /usage: npm run deploy -- --stage <dev\|prod> \[--plan\]/,
    );
    expect(() => parseDeployArgs(['--stage', 'dev', '--force'])).toThrow(/unknown option --force/);
  });
});
