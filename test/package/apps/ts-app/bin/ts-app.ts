#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib/core';
import { TsAppStack } from '../lib/ts-app-stack';

const app = new cdk.App();
new TsAppStack(app, 'TsAppStack', {});
