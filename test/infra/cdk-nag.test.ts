/** cdk-nag 3 (AwsSolutions): zero unacknowledged findings, and every acknowledgement says why. */
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildTestApp } from './build';

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing that is not acknowledged', () => {
    const { app } = buildTestApp();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.description} @ ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`);
    expect(findings).toEqual([]);
  });

  it('really checks: without the acknowledgements the same app has findings', () => {
    const { app } = buildTestApp({ acknowledge: false });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.length).toBeGreaterThan(0);
  });

  it('gives every acknowledgement a real reason', () => {
    const { built } = buildTestApp();
    expect(built.acknowledgements.length).toBeGreaterThan(0);
    for (const ack of built.acknowledgements) {
      expect(ack.reason.length).toBeGreaterThan(50);
      expect(ack.reason).not.toMatch(/\b(TODO|FIXME|tbd|ok|fine)\b/i);
    }
  });
});
