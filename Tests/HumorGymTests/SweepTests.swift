@testable import Experiments
import Foundation
import HumorGym
import Testing
import Transformer

/// Sweeps on a small world: shards that merge into what one process makes (and what `compare` makes), the
/// names a grid gives its learners, spec errors with their file and line, units that resume, fail and are
/// refused under other settings, shards read from a job engine's variables, and the Slurm scripts.
@Suite struct SweepTests {
    // MARK: Fixtures

    /// A fresh folder under the temporary directory holding the small environment (`small.yaml`), where sweep
    /// files are written and their `out` folders go; `remove()` deletes it.
    struct Scratch {
        let root: URL

        static let environment = """
            name: small
            world:
              trainPrompts: 60
              testPrompts: 20
              oodPrompts: 20
              candidatesPerPrompt: 16
            """

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-sweep-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            _ = try write("small.yaml", Self.environment)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

        /// Writes `text` as `name` in the folder; its path.
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            try Data(text.utf8).write(to: root.appendingPathComponent(name))
            return path(name)
        }

        /// The sweep of `body` (YAML without `out`) written as `file`, with `out` the folder `out` in here.
        func sweep(_ file: String, _ body: String, out: String) throws -> Sweep {
            let yaml = body + "\nout: \(path(out))\n"
            return try Sweep(SweepSpec(contentsOf: try write(file, yaml)))
        }
    }

    /// The shared body of the sweeps that run: the small world, log-linear, three learners, two seeds, no
    /// curves, a small critic diagnosis.
    static let body = """
        name: small-sweep
        environments: [small.yaml]
        policies: [log-linear]
        learners: [imitation, rwr, dpo]
        seeds: 2
        seed: 11
        curveEvery: 0
        criticPairs: 20
        """

    /// The files a merge writes that must be there: the grid's and the cell's.
    static let mergedFiles = ["results.json", "results.csv", "small/log-linear/results.json", "small/log-linear/results.csv",
                              "small/log-linear/outcomes.json", "small/log-linear/samples.json"]

    /// Every file under `folder` but the units, the Slurm scripts and the timings (which say how long each
    /// took), by path relative to `folder`: what must not depend on how a sweep was cut or run.
    static func files(under folder: String) -> [String: Data] {
        let fm = FileManager.default
        let paths = (fm.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { path in
            var directory: ObjCBool = false
            return fm.fileExists(atPath: "\(folder)/\(path)", isDirectory: &directory) && !directory.boolValue
                && !path.hasPrefix("units/") && !path.hasPrefix("slurm/") && !path.hasSuffix("timings.json")
        }
        return Dictionary(uniqueKeysWithValues: paths.map { ($0, fm.contents(atPath: "\(folder)/\($0)") ?? Data()) })
    }

    /// The merged sweep's files (``files(under:)``), having checked that every one of ``mergedFiles`` is there.
    static func merged(_ sweep: Sweep) -> [String: Data] {
        let files = files(under: sweep.spec.out)
        for file in mergedFiles { #expect(!(files[file] ?? Data()).isEmpty, "\(sweep.spec.out): no \(file)") }
        return files
    }

    /// Where two sets of files differ: a file in one only, or with other bytes.
    static func differences(_ a: [String: Data], _ b: [String: Data]) -> [String] {
        Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
    }

    /// The message of the HumorGymError `body` throws ("no error" when it throws none).
    static func error(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as HumorGymError { return e.message } catch { return "unexpected \(error)" }
        return "no error"
    }

    /// The 1-based line of the first line of `yaml` that contains `text`.
    static func line(of text: String, in yaml: String) -> Int {
        (yaml.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) } ?? -1) + 1
    }

    static func isDone(_ state: Sweep.State) -> Bool { if case .done = state { true } else { false } }

    // MARK: 1. Shards

    /// A sweep run whole, as 3 shards and as 7 shards (one after another, each cut into its own `out`)
    /// merges into the same bytes, and the shards of a cut together run every unit exactly once. The 3 shards
    /// run everything each: the first runs a learner of the second seed before that seed's warm start is
    /// saved, so it trains the warm start itself. The 7 run as Slurm's two arrays do, all the warm starts
    /// first and then all the learner runs, which read them: with 2 warm starts and 6 learner runs, 5 of the
    /// warm-start shards and 1 of the learner-run shards are empty.
    @Test func shardsMergeByteForByte() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let whole = try scratch.sweep("whole.yaml", Self.body, out: "whole")
        let three = try scratch.sweep("three.yaml", Self.body, out: "three")
        let seven = try scratch.sweep("seven.yaml", Self.body, out: "seven")
        #expect(whole.units.count == 8 && whole.units.filter { $0.kind == .warmStarts }.count == 2)
        #expect(whole.spec.name == "small-sweep" && three.spec.name == whole.spec.name && seven.spec.name == whole.spec.name)

        let summary = try await whole.run(shard: .all)
        #expect(summary.finished.count == whole.units.count && summary.failed.isEmpty && summary.doneBefore.isEmpty)
        _ = try whole.merge()
        let reference = Self.merged(whole)

        for (sweep, count, parts) in [(three, 3, [Sweep.Part.all]), (seven, 7, [.warmStarts, .learners])] {
            var ran: [Sweep.Unit] = []
            for part in parts {
                for index in 0..<count {
                    let shard = try Shard(index: index, count: count)
                    let summary = try await sweep.run(shard: shard, part: part)
                    let name = "shard \(shard) of \(part.rawValue)"
                    #expect(summary.failed.isEmpty, "\(name): \(summary.failed.map(\.error))")
                    #expect(summary.doneBefore.isEmpty, "\(name) found units another shard ran")
                    #expect(summary.finished.allSatisfy { shard.contains($0.position) && part.contains($0) }, "\(name) ran a unit not its own")
                    let expected = sweep.units.filter { shard.contains($0.position) && part.contains($0) }
                    #expect(summary.finished.count == expected.count, "\(name) ran \(summary.finished.count) units of \(expected.count)")
                    if count == 3 && index == 0 {
                        // Seed 1's warm start is shard 1's; shard 0 trained it for seed 1's first learner run.
                        #expect(summary.finished.contains { $0.seedIndex == 1 && $0.kind == .learners })
                        #expect(!FileManager.default.fileExists(atPath: sweep.path(of: sweep.units[1]) + ".json"))
                    }
                    ran += summary.finished
                }
            }
            #expect(sweep.units.count == ran.count, "\(count) shards ran \(ran.count) units of \(sweep.units.count)")
            for unit in sweep.units {
                #expect(ran.filter { $0 == unit }.count == 1, "\(sweep.label(of: unit)) ran \(ran.filter { $0 == unit }.count) times in \(count) shards")
            }
            // Empty shards: warm starts 2...6 of 7, learner runs 6 of 7.
            if count == 7 {
                #expect((0..<7).filter { i in sweep.units.contains { $0.kind == .warmStarts && $0.position % 7 == i } } == [0, 1])
                #expect((0..<7).filter { i in sweep.units.contains { $0.kind == .learners && $0.position % 7 == i } } == [0, 1, 2, 3, 4, 5])
            }
            _ = try sweep.merge()
            #expect(Self.differences(Self.merged(sweep), reference) == [], "\(count) shards: these files differ from the whole sweep's")
        }
    }

    // MARK: 2. The default cell is compare's

    /// A sweep's cell with the policy's own learners is byte for byte what `compare` writes (every file but
    /// the timings: results, outcomes, samples, steps, pairs, demonstrations, figures and the report) for the
    /// same environment, policy, learners and seeds, with compare's default curves (every boundary, 64
    /// prompts) and critic pairs (the environment's: 300 for a mock critic), which are the sweep's defaults
    /// too. The sweep trains each learner apart from a shared warm start; compare, one after another.
    @Test func theDefaultCellEqualsCompare() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let body = Self.body.replacingOccurrences(of: "curveEvery: 0\ncriticPairs: 20", with: "")
        let sweep = try scratch.sweep("cell.yaml", body, out: "sweep")
        let environment = try SpecResolver.environment(scratch.path("small.yaml"))
        let experiment = try Experiment(environment: environment, policy: PolicySpec())
        // compare's defaults (`--curve-every 1 --curve-prompts 64`, no `--critic-pairs`: 300 for the mock critic) are the sweep's.
        let curves = try CurveSettings(every: 1, prompts: 64)
        #expect(sweep.spec.curves == curves && sweep.spec.criticPairs == nil)
        #expect(sweep.groups.count == 1 && sweep.groups[0].learners == ["imitation", "rwr", "dpo"])
        #expect(sweep.groups[0].policy == PolicySpec() && sweep.groups[0].environment == environment)
        _ = try await sweep.run(jobs: 2)
        _ = try sweep.merge()
        // This world has fewer test pairs than 300, so the results alone cannot tell 300 from, say, 299: the
        // first warm start's file says which count the sweep chose.
        let warmStart = try #require(FileManager.default.contents(atPath: sweep.path(of: sweep.units[0]) + ".json"))
        let identity = try #require((try JSONSerialization.jsonObject(with: warmStart) as? [String: Any])?["identity"] as? String)
        #expect(identity.contains("critic pairs 300"), "\(identity)")

        let comparison = try Comparison(experiment: experiment, algorithms: ["imitation", "rwr", "dpo"], seedCount: 2, rootSeed: 11,
                                        curves: curves, criticPairs: 300)
        let compared = try await comparison.run()
        #expect(compared.report.critic != nil && compared.report.runs.count == 6 && compared.report.runs.allSatisfy { $0.curve != nil })
        try compared.write(to: scratch.path("compare"))
        let theirs = Self.files(under: scratch.path("compare")), mine = Self.files(under: "\(sweep.spec.out)/small/log-linear")
        #expect(theirs.keys.contains("runs/seed-\(sweep.seeds[1])/dpo/pairs.jsonl") && theirs.count > 10, "\(theirs.keys.sorted())")
        #expect(Self.differences(mine, theirs) == [], "these files of the sweep's cell differ from compare's")
    }

    // MARK: 3. Grid naming

    /// A grid point is named after what it changes from the policy (`dpo/beta=1.0`; the policy's own 0.2 is
    /// plain `dpo`), a named variant `LEARNER/LABEL`; a variant's settings differ from the learner's only where
    /// the sweep says; two points that resolve to the same settings are an error at the learner's line.
    @Test func gridPointsAndVariantsAreNamedAfterWhatTheyChange() throws {
        let yaml = """
            learners:
              imitation:
              dpo: {beta: [0.2, 1.0]}
              rwr:
                beta: [2.0, 4]
                epochs: [3, 5]
              brio:
                variants: {heavy: {rankingWeight: 3}}
            seeds: 2
            """
        let sweep = try Sweep(SweepSpec(yaml: yaml, file: "grid.yaml"))
        let policy = sweep.groups[0].policy
        #expect(try PolicySpec().settings(of: "dpo")["beta"] == "0.2")
        #expect(try PolicySpec().settings(of: "rwr")["beta"] == "2.0")
        let rwrEpochs = try #require(try PolicySpec().settings(of: "rwr")["epochs"])
        // rwr's grid: every combination, each named after the keys it changes, sorted.
        let rwr = [rwrEpochs == "3" ? "rwr" : "rwr/epochs=3", rwrEpochs == "5" ? "rwr" : "rwr/epochs=5",
                   rwrEpochs == "3" ? "rwr/beta=4.0" : "rwr/beta=4.0/epochs=3", rwrEpochs == "5" ? "rwr/beta=4.0" : "rwr/beta=4.0/epochs=5"]
        #expect(sweep.groups[0].learners == ["imitation", "dpo", "dpo/beta=1.0"] + rwr + ["brio/heavy"])
        #expect(sweep.units.count == 2 * (1 + sweep.groups[0].learners.count))

        let dpo = try policy.settings(of: "dpo"), beta1 = try policy.settings(of: "dpo/beta=1.0")
        #expect(beta1["beta"] == "1.0")
        #expect(beta1.filter { $0.key != "beta" } == dpo.filter { $0.key != "beta" } && !dpo.isEmpty)
        #expect(try policy.learner("dpo/beta=1.0").name == "dpo/beta=1.0")
        let heavy = try policy.settings(of: "brio/heavy"), brio = try policy.settings(of: "brio")
        #expect(heavy["rankingWeight"].flatMap(Double.init) == 3 && brio["rankingWeight"].flatMap(Double.init) != 3)
        #expect(heavy.filter { $0.key != "rankingWeight" } == brio.filter { $0.key != "rankingWeight" })
        // The unit's file name spells the variant so that no two learners share one.
        let unit = try #require(sweep.units.first { $0.work == .learner("dpo/beta=1.0") })
        #expect(sweep.path(of: unit).hasSuffix("/dpo%2Fbeta%3D1.0"))

        // 0.20 is 0.2: both points are plain dpo.
        let twice = "seeds: 2\nlearners:\n  imitation:\n  dpo: {beta: [0.2, 0.20]}\n"
        let m = Self.error { _ = try Sweep(SweepSpec(yaml: twice, file: "sweeps/twice.yaml")) }
        #expect(m.hasPrefix("sweeps/twice.yaml:4: learners.dpo: the sweep trains 'dpo' twice"), "\(m)")
    }

    // MARK: 4. Spec errors

    /// Every mistake in a sweep file is an error naming the file, the line and the key.
    @Test func specErrorsNameTheFileAndLine() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = "sweeps/bad.yaml"
        func fails(_ yaml: String) -> String { Self.error { _ = try Sweep(SweepSpec(yaml: yaml, file: file)) } }

        let unknown = "seeds: 2\nlearnrs: [dpo]\n"
        let u = fails(unknown)
        #expect(u.hasPrefix("\(file):2: learnrs: unknown key") && u.contains("learners"), "\(u)")

        let range = "seeds: 2\nlearners:\n  imitation:\n  dpo:\n    beta: [-1]\n"
        let r = fails(range)
        #expect(r.hasPrefix("\(file):4: learners.dpo") && r.contains("beta") && r.contains("-1"), "\(r)")

        let chain = "learners:\n  imitation:\n  brio-dpo: {x: [1]}\n"
        let c = fails(chain)
        #expect(c.hasPrefix("\(file):3: learners.brio-dpo") && c.contains("'brio-dpo' is not a registered learner"), "\(c)")

        let ppo = "learners:\n  imitation:\n  ppo:\n"
        let p = fails(ppo)
        #expect(p.hasPrefix("\(file):3: learners.ppo") && p.contains("unknown learner 'ppo'"), "\(p)")
        let listed = fails("seeds: 1\nlearners: [imitation, ppo]\n")
        #expect(listed.hasPrefix("\(file):2: learners") && listed.contains("unknown learner 'ppo'"), "\(listed)")

        let both = """
            learners:
              brio:
                rankingWeight: [3]
                variants:
                  heavy: {rankingWeight: 3}
            """
        let b = fails(both)
        #expect(b.hasPrefix("\(file):\(Self.line(of: "variants", in: both)): learners.brio.variants") && b.contains("not both"), "\(b)")

        try scratch.write("other.yaml", Scratch.environment)
        let twice = "seeds: 2\nenvironments: [small.yaml, other.yaml]\n"
        let sweepFile = scratch.path("twice.yaml")
        let t = Self.error { _ = try SweepSpec(yaml: twice, file: sweepFile) }
        #expect(t.hasPrefix("\(sweepFile):2: environments") && t.contains("two of them are named 'small'"), "\(t)")
        let missing = Self.error { _ = try SweepSpec(yaml: "environments: [nowhere.yaml]\n", file: sweepFile) }
        #expect(missing.hasPrefix("\(sweepFile):1: environments") && missing.contains(scratch.path("nowhere.yaml")), "\(missing)")
    }

    // MARK: 5. Resuming and failures

    /// A sweep run again does only what is missing; a unit whose warm start cannot be read fails (written down
    /// beside it, with the file's name) while the rest go on, merging refuses while it is not done, and once
    /// the warm start is trained again everything merges into the original bytes.
    @Test func aSweepResumesAndRecordsFailures() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let sweep = try scratch.sweep("resume.yaml", Self.body, out: "out")
        _ = try await sweep.run(jobs: 2)
        _ = try sweep.merge()
        let original = Self.merged(sweep)
        let fm = FileManager.default

        // One learner run deleted: only it runs again.
        let lost = try #require(sweep.units.first { $0.seedIndex == 1 && $0.work == .learner("rwr") })
        try fm.removeItem(atPath: sweep.path(of: lost) + ".json")
        #expect(try sweep.states().filter { !Self.isDone($0) }.count == 1)
        let again = try await sweep.run()
        #expect(again.finished == [lost] && again.failed.isEmpty)
        #expect(again.doneBefore.count == sweep.units.count - 1 && !again.doneBefore.contains(lost))
        _ = try sweep.merge()
        #expect(Self.merged(sweep) == original)

        // Bad warm starts: seed 1's a valid safetensors file of another identity, seed 0's garbage; every
        // learner run is deleted, so each has to read its seed's.
        let warm = sweep.units.filter { $0.kind == .warmStarts }, learners = sweep.units.filter { $0.kind == .learners }
        #expect(warm.map(\.seedIndex) == [0, 1])
        let path1 = sweep.path(of: warm[1]) + ".safetensors", path0 = sweep.path(of: warm[0]) + ".safetensors"
        let (tensors, metadata) = try SafeTensors.decode(try #require(fm.contents(atPath: path1)), file: path1)
        var other = metadata
        other["identity"] = "another sweep's warm start"
        try SafeTensors.encode([("parameters", try #require(tensors["parameters"]))], metadata: other).write(to: URL(fileURLWithPath: path1))
        try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: path0))
        for unit in learners { try fm.removeItem(atPath: sweep.path(of: unit) + ".json") }

        let failing = try await sweep.run(jobs: 2)
        #expect(failing.finished.isEmpty && failing.doneBefore == warm)
        #expect(failing.failed.count == learners.count)
        for (unit, error) in failing.failed {
            if unit.seedIndex == 1 {
                #expect(error.contains(path1) && error.contains("is not this sweep's warm start"), "\(error)")
            } else {
                #expect(error.contains(path0) && error.contains("not a valid safetensors file"), "\(error)")
            }
        }
        let states = try sweep.states()
        for (unit, state) in zip(sweep.units, states) where unit.kind == .learners {
            let error = try #require(failing.failed.first { $0.unit == unit }?.error)
            #expect(state == .failed(error), "\(sweep.label(of: unit)): \(state)")
            #expect(fm.fileExists(atPath: sweep.path(of: unit) + ".failed.json"))
        }
        let refused = Self.error { _ = try sweep.merge() }
        #expect(refused.hasPrefix("6 of 8 units are not done"), "\(refused)")

        // The bad warm starts deleted with their results: they train again, and so does every learner run.
        for unit in warm {
            try fm.removeItem(atPath: sweep.path(of: unit) + ".safetensors")
            try fm.removeItem(atPath: sweep.path(of: unit) + ".json")
        }
        let recovered = try await sweep.run(jobs: 2)
        #expect(recovered.failed.isEmpty && recovered.finished.count == sweep.units.count && recovered.doneBefore.isEmpty)
        #expect(sweep.units.allSatisfy { !fm.fileExists(atPath: sweep.path(of: $0) + ".failed.json") })
        #expect(try sweep.states().allSatisfy(Self.isDone))
        _ = try sweep.merge()
        #expect(Self.merged(sweep) == original)
    }

    // MARK: 6. Other settings

    /// A unit saved under other settings is refused, never reused: other critic pairs (the first seed's warm
    /// start), other curves (every learner run). The unchanged sweep still finds every unit done.
    @Test func aUnitSavedUnderOtherSettingsIsRefused() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let body = Self.body.replacingOccurrences(of: "[imitation, rwr, dpo]", with: "[imitation, dpo]")
        let sweep = try scratch.sweep("settings.yaml", body, out: "out")
        _ = try await sweep.run(jobs: 2)
        #expect(try sweep.states().allSatisfy(Self.isDone))
        #expect(try scratch.sweep("same.yaml", body, out: "out").states().allSatisfy(Self.isDone))

        let pairs = try scratch.sweep("pairs.yaml", body.replacingOccurrences(of: "criticPairs: 20", with: "criticPairs: 21"), out: "out")
        let p = Self.error { _ = try pairs.states() }
        let warm = sweep.path(of: sweep.units[0]) + ".json"
        #expect(p.hasPrefix("\(warm) was made with other settings") && p.contains("critic pairs 20") && p.contains("critic pairs 21"), "\(p)")

        let curves = try scratch.sweep("curves.yaml", body.replacingOccurrences(of: "curveEvery: 0", with: "curveEvery: 3"), out: "out")
        let c = Self.error { _ = try curves.states() }
        let first = try #require(sweep.units.first { $0.kind == .learners })
        #expect(c.hasPrefix("\(sweep.path(of: first)).json was made with other settings") && c.contains("curves every 3"), "\(c)")
        let refusedRun = await {
            do { _ = try await curves.run(); return "no error" } catch { return (error as? HumorGymError)?.message ?? "\(error)" }
        }()
        #expect(refusedRun == c)

        // The environment edited under the same name is another environment; so is the policy's file.
        _ = try scratch.write("small.yaml", Scratch.environment.replacingOccurrences(of: "trainPrompts: 60", with: "trainPrompts: 30"))
        let edited = Self.error { _ = try scratch.sweep("same.yaml", body, out: "out").states() }
        #expect(edited.contains("was made with other settings") && edited.contains("environment small ("), "\(edited)")
        _ = try scratch.write("small.yaml", Scratch.environment)
        _ = try scratch.write("narrow.yaml", "name: log-linear\nfeatures: 256\n")
        let narrow = Self.error {
            _ = try scratch.sweep("narrow-sweep.yaml", body.replacingOccurrences(of: "policies: [log-linear]", with: "policies: [narrow.yaml]"),
                                  out: "out").states()
        }
        #expect(narrow.contains("was made with other settings"), "\(narrow)")
        #expect(try scratch.sweep("same.yaml", body, out: "out").states().allSatisfy(Self.isDone))
    }

    // MARK: 7. Shards from the command line and the environment

    /// `--shard I/N` and the job engines' variables name one shard, and every inconsistent value is an error.
    @Test func shardsParseFromTextAndEnvironment() throws {
        let two = try Shard("2/5")
        let twoOfFive = try Shard(index: 2, count: 5), twoOfFour = try Shard(index: 2, count: 4), threeOfFour = try Shard(index: 3, count: 4)
        #expect(two.index == 2 && two.count == 5 && two.description == "2/5" && two == twoOfFive)
        #expect(two.contains(7) && !two.contains(8) && Shard.all.contains(123))
        #expect(Self.error { _ = try Shard("5/5") } == "shard 5 of 5: shards are counted from 0 to 4")
        #expect(Self.error { _ = try Shard("-1/3") } == "shard -1 of 3: shards are counted from 0 to 2")
        #expect(Self.error { _ = try Shard("x") } == "--shard 'x': expected I/N, shard I (from 0) of N")
        #expect(Self.error { _ = try Shard("1/0") } == "a sweep is cut into at least 1 shard, got 0")
        #expect(Self.error { _ = try Shard("1/2/3") }.contains("expected I/N"))

        let slurm = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(try Shard.fromEnvironment(slurm, shards: nil) == twoOfFour)
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"], shards: nil) == threeOfFour)
        #expect(Self.error { _ = try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "7"], shards: nil) }
                == "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")
        var beyond = slurm
        beyond["SLURM_ARRAY_TASK_ID"] = "9"
        #expect(Self.error { _ = try Shard.fromEnvironment(beyond, shards: nil) }.contains("names no shard"))
        #expect(Self.error { _ = try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "one"], shards: nil) }.contains("is not a whole number"))

        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "3"], shards: 4) == threeOfFour)
        #expect(Self.error { _ = try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "3"], shards: nil) }.contains("--shards N"))
        #expect(Self.error { _ = try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "4"], shards: 4) } == "shard 4 of 4: shards are counted from 0 to 3")
        #expect(try Shard.fromEnvironment([:], shards: nil) == nil)
        #expect(try Shard.fromEnvironment(["PATH": "/bin"], shards: nil) == nil)
        #expect(Self.error { _ = try Shard.fromEnvironment([:], shards: 4) }.contains("JOB_COMPLETION_INDEX, which is not set"))
    }

    // MARK: 8. Slurm

    /// The two job arrays' scripts: one task per warm start, the learner runs cut into `shards`, the options
    /// as `#SBATCH` lines, and a command line the shell reads back word for word even through single quotes.
    @Test func slurmScriptsRunEachPartAsAnArray() throws {
        let yaml = "name: slurm\nseeds: 3\nlearners: [imitation, rwr, dpo]\nout: /runs/sweeps/slurm\n"
        let sweep = try Sweep(SweepSpec(yaml: yaml, file: "sweeps/slurm.yaml"))
        let warmStarts = sweep.units.filter { $0.kind == .warmStarts }.count
        #expect(warmStarts == 3 && sweep.units.count == 12)
        let binary = "/opt/it's here/humorgym", directory = "/work/project"
        let options = SlurmJobArrays.Options(partition: "debug", time: "0:10:00", cpusPerTask: 2, arrayParallelism: 2, shards: 4)
        let arrays = try SlurmJobArrays(sweep: sweep, sweepFile: "sweeps/it's.yaml", binary: binary, threads: 1, options: options, directory: directory)
        #expect(arrays.sweepFile == "/work/project/sweeps/it's.yaml")

        for (part, array) in [(Sweep.Part.warmStarts, "0-\(warmStarts - 1)%2"), (.learners, "0-3%2")] {
            let script = arrays.script(part)
            let lines = script.split(separator: "\n").map(String.init)
            #expect(lines.first == "#!/bin/bash")
            for line in ["#SBATCH --array=\(array)", "#SBATCH --chdir=\(directory)", "#SBATCH --partition=debug", "#SBATCH --time=0:10:00",
                         "#SBATCH --cpus-per-task=2", "#SBATCH --job-name=humorgym-slurm-\(part.rawValue)",
                         "#SBATCH --output=/runs/sweeps/slurm/slurm/\(part.rawValue)-%A_%a.out"] {
                #expect(lines.contains(line), "\(part.rawValue): no line \(line) in\n\(script)")
            }
            let exec = try #require(lines.last)
            #expect(exec == "exec '/opt/it'\\''s here/humorgym' sweep run '/work/project/sweeps/it'\\''s.yaml' --part \(part.rawValue) --jobs 2 --threads 1",
                    "\(exec)")
            // The shell reads the words back as they were.
            let words = try Self.shellWords(String(exec.dropFirst("exec ".count)))
            #expect(words == [binary, "sweep", "run", arrays.sweepFile, "--part", part.rawValue, "--jobs", "2", "--threads", "1"], "\(words)")
        }
        // Without shards, one task per learner run; never more tasks than units.
        let perUnit = try SlurmJobArrays(sweep: sweep, sweepFile: "/s.yaml", binary: "/b", options: .init(), directory: "/d")
        #expect(perUnit.script(.learners).contains("#SBATCH --array=0-8\n") && !perUnit.script(.learners).contains("--partition"))
        let many = try SlurmJobArrays(sweep: sweep, sweepFile: "/s.yaml", binary: "/b", options: .init(shards: 50), directory: "/d")
        #expect(many.tasks(.learners) == 9 && many.tasks(.warmStarts) == 3)

        func fails(_ options: SlurmJobArrays.Options) -> String {
            Self.error { _ = try SlurmJobArrays(sweep: sweep, sweepFile: "/s.yaml", binary: "/b", options: options, directory: "/d") }
        }
        #expect(fails(.init(cpusPerTask: 0)) == "--cpus-per-task must be at least 1, got 0")
        #expect(fails(.init(partition: "de bug")) == "--partition 'de bug': expected one word")
        #expect(fails(.init(time: "")).contains("--time"))
        #expect(fails(.init(arrayParallelism: 0)).contains("--array-parallelism"))
        #expect(fails(.init(shards: 0)).contains("--shards"))
    }

    /// The words `/bin/sh` makes of `text`, one a line through printf.
    static func shellWords(_ text: String) throws -> [String] {
        let process = Process(), out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "printf '%s\\n' \(text)"]
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}
