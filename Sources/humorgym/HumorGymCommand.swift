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
        subcommands: [Compare.self, Reproduce.self, Run.self, Sample.self, DiagnoseCritic.self, Judge.self, Teach.self],
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

    @Option(help: "Student: a name (policies/NAME.yaml, else built-in: log-linear, tabular, transformer-tiny) or a path. Default: log-linear.")
    var policy: String?

    @Option(help: "Threads for each transformer student's batches (the results are the same for any count).")
    var threads = 1

    func experiment() throws -> Experiment {
        guard (1...256).contains(threads) else { throw HumorGymError("--threads must be in 1...256, got \(threads)") }
        return try Experiment(environment: SpecResolver.environment(environment), policy: SpecResolver.policy(policy), threads: threads)
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
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
    fflush(nil)  // flushes every stream: stdout goes line by line even into a pipe, so a watcher sees each step as it happens
}
