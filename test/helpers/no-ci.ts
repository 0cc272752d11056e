/**
Loaded by ava in every test worker before the test file (package.json's `ava.require`): the
tests drive Ink as a terminal would, as the operator does once it has found one. Ink decides
when it is loaded whether it runs in CI (then it draws nothing until it unmounts), and chalk
turns every colour off when a `CI` variable exists at all, even `CI=false`: so the variables
are removed, not set. Processes the tests start inherit this environment.
*/
import process from 'node:process';

delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
