import ArgumentParser
import Experiments
import Foundation
import HumorGym
import LinearAlgebra
import LLM

@main
struct HumorGymCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "humorgym",
        abstract: "A simulation sandbox for feedback-driven humor distillation (after \"Small But Funny\", ACL 2024).",
        subcommands: [Compare.self, Reproduce.self, Run.self, SweepCommand.self, CacheCommand.self, Report.self, Export.self, Sample.self, DiagnoseCritic.self, Judge.self, Teach.self],
        defaultSubcommand: Compare.self)

    static func main() async {
        Memory.retainFreedMemory()  // training allocates the same large arrays every step
        await main(nil)
    }
}

/// The options every command shares: which environment and student.
struct SpecOptions: ParsableArguments {
    @Option(name: .customLong("env"), help: "Environment: a name (environments/NAME.yaml, else built-in) or a path. Default: the embedded paraphrase world.")
    var environment: String?

    @Option(help: "Student: a name (policies/NAME.yaml, such as smollm2-135m; else built-in: log-linear, tabular, transformer-tiny) or a path. Default: log-linear.")
    var policy: String?

    @Option(help: "Threads for each neural student's batches (transformer, llama; the results are the same for any count).")
    var threads = 1

    /// - Parameter dryRun: its LLM clients count what they would send, and send nothing.
    func experiment(dryRun: Bool = false) throws -> Experiment {
        guard (1...256).contains(threads) else { throw HumorGymError("--threads must be in 1...256, got \(threads)") }
        return try Experiment(environment: SpecResolver.environment(environment), policy: SpecResolver.policy(policy), threads: threads,
                              llms: LLMClientPool(dryRun: dryRun))
    }
}

/// The seeds a study runs over, and how many of its parts run at once.
struct SeedOptions: ParsableArguments {
    @Option(help: "Number of seeds.")
    var seeds = 5

    @Option(help: "Root seed; run seeds are derived from it.")
    var seed: UInt64 = 0

    @Option(help: "Seeds (compare) or cells (reproduce) trained at once; the results do not depend on it.")
    var jobs = 2
}

/// What a results folder measures beside the results: curves over training and the critic's biases.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Measure each learner's curve over training at every Kth end of an epoch or round (and the last); 0: no curves.",
                               valueName: "K"))
    var curveEvery = 1

    @Option(help: "Test prompts each point of a curve measures.")
    var curvePrompts = 64

    @Option(help: ArgumentHelp("Teacher-output pairs the training critic's biases are measured on (default: 300 for a mock critic, 0 for an LLM, whose every pair is two calls).",
                               valueName: "N"))
    var criticPairs: Int?

    func curves() throws -> CurveSettings? { curveEvery == 0 ? nil : try CurveSettings(every: curveEvery, prompts: curvePrompts) }

    func criticPairs(_ experiment: Experiment) throws -> Int {
        guard let criticPairs else { return experiment.environment.defaultCriticPairs }
        guard criticPairs >= 0 else { throw HumorGymError("--critic-pairs must be at least 0, got \(criticPairs)") }
        return criticPairs
    }
}

/// The LLM server a command talks to.
struct LLMOption: ParsableArguments {
    @Option(help: "The LLM: a name (llms/NAME.yaml) or a path.")
    var llm = "local"

    func endpoint() throws -> LLMEndpoint { try SpecResolver.llm(llm).endpoint }
}

extension Split: ExpressibleByArgument {}

/// Runs `body`, turning HumorGym's errors into one clear line on standard error and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as HumorGymError {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSONLine(_ value: some Encodable) throws {
    print(String(decoding: try ResultsWriter.encoder(pretty: false).encode(value), as: UTF8.self))
    fflush(nil)  // flushes every stream: stdout goes line by line even into a pipe, so a watcher sees each step as it happens
}
