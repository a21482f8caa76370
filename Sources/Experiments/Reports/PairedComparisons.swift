import HumorGym
import Stochastics

/// Every pair of learners compared as the seeds allow: the mean difference in WTR over seeds, paired by seed
/// (a seed's learners share its warm start, teacher and prompts), with its 95% interval, and a sign test over
/// (seed, prompt) pairs of their per-prompt WTRs. A difference is significant when its interval excludes 0.
public struct PairedComparisons: Sendable, Equatable {
    public struct Pair: Sendable, Equatable {
        /// `first` - `second`; `first` is the later of the two in the comparison's learner order.
        public var first: String
        public var second: String
        public var split: String
        public var difference: PairedDifference
        /// Over every (seed, prompt) both answered; nil without per-prompt outcomes.
        public var signs: SignTest?
    }

    public var pairs: [Pair]

    public init(_ folder: ResultsFolder) {
        let report = folder.report
        func series(_ algorithm: String, _ split: String) -> [Double]? {
            let values = report.seeds.map { seed in report.runs.first { $0.seed == seed && $0.algorithm == algorithm }?.metrics[split]?.wtr }
            return values.contains(nil) ? nil : values.map { $0! }
        }
        func signs(_ a: String, _ b: String, _ split: String) -> SignTest? {
            var x: [Double] = [], y: [Double] = []
            for seed in report.seeds {
                guard let pa = folder.prompts.wtr(seed: seed, algorithm: a, split: split),
                      let pb = folder.prompts.wtr(seed: seed, algorithm: b, split: split), pa.count == pb.count else { return nil }
                for case let (u?, v?) in zip(pa, pb) {
                    x.append(u)
                    y.append(v)
                }
            }
            return SignTest(x, y)
        }
        var pairs: [Pair] = []
        for split in Split.evaluated.map(\.rawValue) {
            for (j, a) in report.algorithms.enumerated() {
                for b in report.algorithms.prefix(j) {
                    guard let sa = series(a, split), let sb = series(b, split) else { continue }
                    pairs.append(Pair(first: a, second: b, split: split, difference: PairedDifference(sa, sb), signs: signs(a, b, split)))
                }
            }
        }
        self.pairs = pairs
    }

    /// The most seeds ``closest(on:)`` looks for.
    public static let seedLimit = 1_000

    /// The two learners closest on `split` (smallest mean difference), and what the seeds say of them: whether
    /// they are separated, and how many seeds would separate them if their difference and its spread stayed as
    /// measured. Nil without a pair measured over two seeds or more.
    public func closest(on split: String) -> (pair: Pair, verdict: String)? {
        guard let pair = pairs.filter({ $0.split == split }).min(by: { abs($0.difference.difference.mean) < abs($1.difference.difference.mean) }),
              pair.difference.difference.standardDeviation != nil else { return nil }
        let seeds = pair.difference.pairsToSeparate(limit: Self.seedLimit)
        guard pair.difference.direction == .undecided else {
            return (pair, "separated; about \(seeds ?? pair.difference.difference.count) seeds would have sufficed")
        }
        return (pair, seeds.map { "about \($0) seeds would separate them" }
                ?? (pair.difference.difference.mean == 0 ? "no difference to separate"
                    : "more than \(Self.seedLimit) seeds would be needed to separate them"))
    }
}
