import Experiments
import Foundation
import HumorGym
import Policies
import Worlds

/// The cost of building a paraphrase world and the log-linear student's features for it, as `Experiment`
/// builds them: the median of `repeats` builds each, the candidate count and the process's peak RSS after.
enum WorldBuild {
    static func report(environment name: String, repeats: Int) throws {
        guard case .paraphrase(let spec) = try SpecResolver.environment(name).world else {
            throw HumorGymError("\(name): the world benchmark needs the paraphrase world")
        }
        let clock = ContinuousClock()
        func median(_ f: () throws -> Void) rethrows -> Double {
            var times: [Double] = []
            for _ in 0..<repeats { times.append(seconds(try clock.measure(f))) }
            return times.sorted()[times.count / 2]
        }
        var world: ParaphraseWorld?
        let worldTime = try median { world = try ParaphraseWorld(spec.world) }
        let w = world!
        let featureTime = median {
            _ = LogLinearPolicy.Features(map: FeatureMap(dimension: PolicySpec().features), prompts: w.allPrompts, candidates: w.candidates)
        }
        print(String(format: "world %@: %d prompts, %d candidates; world %.3f s, features %.3f s (median of %d); peak RSS %.0f MB",
                     name, w.allPrompts.count, w.candidates.offsets.last!, worldTime, featureTime, repeats, peakResidentMegabytes()))
    }
}
