#!/usr/bin/env node

const cdk = require('aws-cdk-lib/core');
const { JsAppStack } = require('../lib/js-app-stack');

const app = new cdk.App();
new JsAppStack(app, 'JsAppStack', {});
