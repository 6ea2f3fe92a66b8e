using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/EPrescription.Benchmarks -- --filter '*'   (see README, "Performance")
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
