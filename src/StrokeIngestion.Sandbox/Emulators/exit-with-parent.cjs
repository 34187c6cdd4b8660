'use strict';

// Preloaded into every emulator (node --require) by NodeEmulatorProcess. Its stdin is a pipe
// from the .NET process that started it: when that process dies without disposing the
// emulator (a crashed or killed test host), the pipe closes and the emulator ends too,
// instead of holding its port on a shared machine.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
