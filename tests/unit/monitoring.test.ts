import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promtool } from '../support/promtool';
import { projectRoot } from '../support/servers';

const monitoring = join(projectRoot, 'monitoring');

describe('monitoring/ (promtool)', () => {
  it('prometheus.yml is a valid configuration, with its rule file', async () => {
    const result = await promtool(['check', 'config', join(monitoring, 'prometheus.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('alerts.yml holds valid rules', async () => {
    const result = await promtool(['check', 'rules', join(monitoring, 'alerts.yml')]);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.code).toBe(0);
  });

  it('every alert fires in its alerts.test.yml case and stays quiet in the other', async () => {
    const result = await promtool(['test', 'rules', join(monitoring, 'alerts.test.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});

describe('alerts.test.yml coverage', () => {
  it('has a firing and a quiet case for every alert in alerts.yml, each with severity and summary', () => {
    const rules = readFileSync(join(monitoring, 'alerts.yml'), 'utf8');
    const cases = readFileSync(join(monitoring, 'alerts.test.yml'), 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((match) => match[1]!);
    expect(alerts.length).toBeGreaterThanOrEqual(11);
    // Each alert_rule_test entry: its alertname and whether it expects alerts.
    const checks = [...cases.matchAll(/alertname: (\w+)\n\s+exp_alerts:( \[\])?/g)].map((match) => ({ alert: match[1], quiet: match[2] !== undefined }));
    for (const alert of alerts) {
      expect({ alert, fires: checks.some((check) => check.alert === alert && !check.quiet) }).toEqual({ alert, fires: true });
      expect({ alert, quiet: checks.some((check) => check.alert === alert && check.quiet) }).toEqual({ alert, quiet: true });
    }
    const blocks = rules.split('- alert: ').slice(1);
    for (const block of blocks) expect(block).toMatch(/for: \d+[smh][\s\S]*severity: (critical|warning)[\s\S]*summary: /);
  });
});
