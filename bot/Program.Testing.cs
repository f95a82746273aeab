// Lets WebApplicationFactory<Program> in the functional tests and benchmarks start the real host.
public partial class Program;
