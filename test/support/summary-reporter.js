// Prints the run's final line, `N passed, N failed`, which CI reads.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    if (results.numPendingTests + results.numTodoTests > 0) {
      process.stdout.write(`${results.numPendingTests + results.numTodoTests} skipped\n`);
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
