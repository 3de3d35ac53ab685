import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { buildApp } from './build-app.js';
import { CONFIG_FILE_CONTEXT_KEY, ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from './config/index.js';
import { stackLimitProblems, templatesOf } from './stack-limits.js';

/** The CDK app: `npx cdk synth -c ords-datapump-backup:configFile=config/prod.json`. */
const app = new App();
const configFile = String(app.node.tryGetContext(CONFIG_FILE_CONTEXT_KEY) ?? DEFAULT_CONFIG_FILE);

try {
  buildApp(app, loadConfig(configFile));
} catch (error) {
  if (error instanceof ConfigError) {
    // The problems are the message; a stack trace would only hide them.
    console.error(`The configuration is not valid:\n${error.message}`);
    process.exit(1);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

const problems = stackLimitProblems(templatesOf(app.synth()));
if (problems.length > 0) {
  console.error(`The configuration does not fit CloudFormation's or IAM's limits:\n${problems.join('\n')}`);
  process.exit(1);
}
