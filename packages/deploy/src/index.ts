/**
 * Deployment of witkit plugins: releases, versions and rollout states. Storage, hot reload
 * and canary land in later versions.
 *
 * @packageDocumentation
 */
export type { DeploymentStatus, Release } from './release.js';
