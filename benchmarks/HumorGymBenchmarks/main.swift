import Critics
import Experiments
import Foundation
import HumorGym
import Learners
import LinearAlgebra
import Llama
import Policies
import Transformer
import Stochastics
import Worlds

// HumorGym's speed goals, measured in one process (run with `swift run -c release HumorGymBenchmarks [part]`,
// part one of critic, compare, transformer; all by default, from the package root):
//  1. the mock critic judges >= 1,000,000 pre-tokenised pairs per second on one core;
//  2. `humorgym compare` with its defaults finishes in under 60 s on 2 cores;
//  3. the transformer's training step beside PyTorch's at 1 and 2 threads;
//  4. llm (only when asked for): a cache hit's cost, and judging throughput against HUMORGYM_LLM_URL at
//     concurrency 1, 2 and 4 beside wrk sending the same requests (scripts/local-llm's llama-server, 4 slots).
//  5. world and world-paper (only when asked for): building the default paraphrase world and the paper-scale
//     one (environments/paper-scale.yaml, 12,000 train prompts), each with the log-linear student's features.
//  6. llama (only when asked for): the pretrained student's LoRA step and batched sampling beside Hugging Face's
//     at 1 and 2 threads, and llama.cpp's generation on the same file (scripts/local-llm builds both);
//     llama-train or llama-sample runs one of the two.

Memory.retainFreedMemory()  // as the humorgym CLI does
let parts = CommandLine.arguments.count > 1 ? Set(CommandLine.arguments.dropFirst()) : ["critic", "compare", "transformer"]

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes
}

func seconds(_ d: Duration) -> Double { d / .seconds(1) }

if parts.contains("critic") || parts.contains("compare") {
let experiment = try Experiment(environment: EnvironmentSpec(), policy: PolicySpec())
let run = try await experiment.run(seed: 1)

if parts.contains("critic") {
// 1. Critic throughput: every pair of distinct teacher outputs on the test split, cycled to 2M judgements.
let pairs = experiment.teacherPairs(.test, run: run)
let critic = experiment.critic(seed: 7, run: run) as! MockCritic  // the default environment judges with the mock
let batch = Array((0..<(2_000_000 / pairs.count + 1)).flatMap { _ in pairs }.prefix(2_000_000))
_ = critic.judgeNow(Array(batch.prefix(10_000)))  // warm up
var best = Double.infinity
var checksum = 0.0
for _ in 0..<3 {
    let clock = ContinuousClock()
    let t = clock.measure { checksum += critic.judgeNow(batch).reduce(0) { $0 + ($1.probabilityFirstBetter ?? 0) } }
    best = min(best, seconds(t))
}
print(String(format: "mock critic: %d pairs in %.3f s (best of 3) = %.2f M pairs/s on one core (checksum %.1f)",
             batch.count, best, Double(batch.count) / best / 1e6, checksum))

}

if parts.contains("compare") {
// 2. The default comparison, as `humorgym compare` runs it.
let clock = ContinuousClock()
var result: ComparisonReport?
let elapsed = try await clock.measure {
    result = try await Comparison(experiment: experiment, algorithms: AlgorithmRegistry.defaults, seedCount: 5).run().report
}
let setup = try clock.measure { _ = try Experiment(environment: EnvironmentSpec(), policy: PolicySpec()) }
print(String(format: "compare (defaults: 3 learners x 5 seeds, 2 concurrent): %.1f s, plus %.2f s to build the world and features; peak RSS %.0f MB",
             seconds(elapsed), seconds(setup), peakResidentMegabytes()))
if let r = result {
    for a in r.algorithms { print(String(format: "  %@ test WTR %.1f", a, r.aggregate[a]!["test"]!["wtr"]!.mean)) }
}
}
}

if parts.contains("transformer") {
    // 3. The transformer step, then PyTorch's, at each thread count.
    let steps = 10
    print(String(format: "transformer step: %.2fM parameters, batch %d x %d tokens, %.2f GFLOP per step (6N + 12LTd per token)",
                 Double(TransformerLayout(TransformerStep.configuration).parameterCount) / 1e6, TransformerStep.batch,
                 TransformerStep.configuration.contextLength, TransformerStep.flopsPerStep / 1e9))
    // Alternate the two, three times each, and compare medians: this shared VM's speed drifts by 20-30%
    // from minute to minute, and alternating puts both sides in the same minutes.
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    for threads in [1, 2] {
        var swiftRuns: [TransformerStep.Result] = [], torchRuns: [TransformerStep.Result] = [], note = ""
        for _ in 0..<3 {
            swiftRuns.append(try TransformerStep.run(threads: threads, steps: steps))
            let (torch, why) = TransformerStep.pytorch(threads: threads, steps: steps)
            if let torch { torchRuns.append(torch) }
            note = why
        }
        let ms = median(swiftRuns.map(\.millisecondsPerStep)), tokens = median(swiftRuns.map(\.tokensPerSecond))
        let sgemm = TransformerStep.sgemmGFLOPs(threads: threads)
        print(String(format: "  %d thread(s): HumorGym %.1f ms/step (runs %@), %.0f tokens/s, %.1f GFLOP/s (OpenBLAS sgemm 512^3: %.1f GFLOP/s)",
                     threads, ms, swiftRuns.map { String(format: "%.0f", $0.millisecondsPerStep) }.joined(separator: "/"), tokens,
                     TransformerStep.flopsPerStep / (ms / 1000) / 1e9, sgemm))
        if torchRuns.isEmpty {
            print("               \(note)")
        } else {
            let torchTokens = median(torchRuns.map(\.tokensPerSecond))
            print(String(format: "               PyTorch  %.1f ms/step (runs %@), %.0f tokens/s (%@); HumorGym/PyTorch = %.2f",
                         median(torchRuns.map(\.millisecondsPerStep)), torchRuns.map { String(format: "%.0f", $0.millisecondsPerStep) }.joined(separator: "/"),
                         torchTokens, note, tokens / torchTokens))
        }
    }
    print(String(format: "  peak RSS %.0f MB", peakResidentMegabytes()))
}

if parts.contains("llm") {
    // 4. LLM calls: the cache, then a real server (scripts/local-llm start prints its URL).
    print(String(format: "llm cache hit (replay-only, SQLite): %.0f microseconds per answer", try await LLMThroughput.cacheHitMicroseconds()))
    if let url = ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"] {
        let experiment = try Experiment(environment: EnvironmentSpec(), policy: PolicySpec())
        let run = try await experiment.run(seed: 1)
        // Each measurement sends requests of its own, more than it can answer, so that no body is sent twice and the
        // server's prompt cache never answers a whole repeat (a judge asks each question once): the train and test
        // splits' pairs in both orders, 160 to a measurement. Three rounds, HumorGym and wrk alternating, 15 s each:
        // this shared machine drifts from minute to minute, so each round also gives its own ratio of concurrency 2
        // to 1, measured half a minute apart.
        let pairs = (experiment.teacherPairs(.train, run: run) + experiment.teacherPairs(.test, run: run)).flatMap { [$0, $0.swapped] }
        let requests = try LLMThroughput.requests(url: url, pairs: pairs.map { ($0.prompt.text.string, $0.first.string, $0.second.string) })
        var slices = stride(from: 0, to: requests.count - 159, by: 160).map { Array(requests[$0..<$0 + 160]) }.makeIterator()
        // Five untimed seconds first, so that no measurement pays for a cold server.
        _ = try await LLMThroughput.clientRate(url: url, requests: slices.next()!, concurrency: 4, duration: 5)
        var rates: [Int: (ours: [Double], wrk: [Double])] = [:]
        var note = "wrk"
        for _ in 0..<3 {
            for concurrency in [1, 2, 4] {
                let ours = try await LLMThroughput.clientRate(url: url, requests: slices.next()!, concurrency: concurrency, duration: 15)
                let (theirs, why) = LLMThroughput.wrkRate(url: url, requests: slices.next()!, connections: concurrency, duration: 15)
                rates[concurrency, default: ([], [])].ours.append(ours)
                if let theirs { rates[concurrency]!.wrk.append(theirs) } else { note = why }
            }
        }
        for concurrency in [1, 2, 4] {
            let (ours, wrk) = rates[concurrency]!
            let mean = ours.reduce(0, +) / Double(ours.count)
            var line = String(format: "  concurrency %d: HumorGym %.2f verdicts/s (%.3f s a verdict; rounds %@)", concurrency, mean, 1 / mean,
                              ours.map { String(format: "%.2f", $0) }.joined(separator: ", "))
            if wrk.isEmpty {
                line += "; \(note)"
            } else {
                let theirs = wrk.reduce(0, +) / Double(wrk.count)
                line += String(format: ", wrk %.2f requests/s (rounds %@): HumorGym/wrk %.3f", theirs,
                               wrk.map { String(format: "%.2f", $0) }.joined(separator: ", "), mean / theirs)
            }
            print(line)
        }
        func ratios(_ rates: (Int) -> [Double]) -> String {
            zip(rates(2), rates(1)).map { String(format: "%.2f", $0 / $1) }.joined(separator: ", ")
        }
        print("  concurrency 2 over 1, round by round: HumorGym \(ratios { rates[$0]!.ours })"
              + (rates[1]!.wrk.isEmpty ? "" : "; wrk \(ratios { rates[$0]!.wrk })"))
    } else {
        print("  judging throughput: set HUMORGYM_LLM_URL (scripts/local-llm start prints it)")
    }
}

for (part, environment, repeats) in [("world", "paraphrase", 5), ("world-paper", "paper-scale", 3)] where parts.contains(part) {
    try WorldBuild.report(environment: environment, repeats: repeats)
}

if parts.contains("llama") || parts.contains("llama-train") || parts.contains("llama-sample") {
    // 6. The pretrained student, then Hugging Face's, alternating, at each thread count; then llama.cpp.
    let clock = ContinuousClock()
    var pretrained: PretrainedLlama?
    let load = try clock.measure { pretrained = try PretrainedLlama(path: LlamaStep.model) }
    print(String(format: "llama: SmolLM2-135M-Instruct read and dequantised to Float in %.1f s; peak RSS %.0f MB", seconds(load), peakResidentMegabytes()))
    fflush(nil)  // each line as it is measured, also into a file: the whole part takes minutes
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    for (mode, what, calls) in [("train", "LoRA step, batch 8 x 64", 3), ("sample", "greedy sampling, 8 x 32 new tokens", 2)]
        where parts.contains("llama") || parts.contains("llama-" + mode) {
        for threads in [1, 2] {
            var ours: [LlamaStep.Result] = [], theirs: [LlamaStep.Result] = [], note = ""
            for _ in 0..<3 {
                ours.append(mode == "train" ? try LlamaStep.train(pretrained!, threads: threads, steps: calls)
                                            : try LlamaStep.sample(pretrained!, threads: threads, calls: calls))
                let (torch, why) = LlamaStep.pytorch(mode, threads: threads, calls: calls)
                if let torch { theirs.append(torch) }
                note = why
            }
            var line = String(format: "  %@, %d thread(s): HumorGym %.0f ms (runs %@), %.0f tokens/s", what, threads,
                              median(ours.map(\.millisecondsPerCall)), ours.map { String(format: "%.0f", $0.millisecondsPerCall) }.joined(separator: "/"),
                              median(ours.map(\.tokensPerSecond)))
            if theirs.isEmpty {
                line += "; \(note)"
            } else {
                line += String(format: "; Hugging Face %.0f ms (runs %@), %.0f tokens/s (%@); HumorGym/HF = %.2f", median(theirs.map(\.millisecondsPerCall)),
                               theirs.map { String(format: "%.0f", $0.millisecondsPerCall) }.joined(separator: "/"), median(theirs.map(\.tokensPerSecond)),
                               note, median(ours.map(\.tokensPerSecond)) / median(theirs.map(\.tokensPerSecond)))
            }
            print(line)
            fflush(nil)
        }
    }
    print(String(format: "  peak RSS %.0f MB", peakResidentMegabytes()))
    if let url = ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"] {
        for concurrent in [1, 8] {
            let (rate, perSequence) = try await LlamaStep.llamaCpp(url: url, concurrent: concurrent)
            print(String(format: "  llama.cpp (the local server: the file's weights in BF16), %d request(s) of 32 new tokens at once: %.0f tokens/s in all (the server's own count, per sequence: %.0f tokens/s)",
                         concurrent, rate, perSequence))
        }
    } else {
        print("  llama.cpp: set HUMORGYM_LLM_URL (scripts/local-llm start prints it)")
    }
}
