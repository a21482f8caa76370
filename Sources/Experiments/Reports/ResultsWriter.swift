import Foundation
import HumorGym

/// Writes a comparison as `results.json` (every run and the aggregate; sorted keys, so the same run
/// writes the same bytes) and `results.csv` (long format: one value per row).
public enum ResultsWriter {
    public static func json(_ result: ComparisonReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(result)
    }

    public static func csv(_ result: ComparisonReport) -> String {
        var lines = ["kind,seed,algorithm,split,metric,value"]
        for run in result.runs {
            for split in Split.evaluated.map(\.rawValue) {
                guard let metrics = run.metrics[split] else { continue }
                for field in SplitMetrics.fields {
                    guard let value = field.value(metrics) else { continue }
                    lines.append("run,\(run.seed),\(run.algorithm),\(split),\(field.name),\(value)")
                }
            }
        }
        for algorithm in result.algorithms {
            for split in Split.evaluated.map(\.rawValue) {
                for field in SplitMetrics.fields {
                    guard let s = result.aggregate[algorithm]?[split]?[field.name] else { continue }
                    lines.append("mean,,\(algorithm),\(split),\(field.name),\(s.mean)")
                    if let lo = s.lower, let hi = s.upper {
                        lines.append("ci95_low,,\(algorithm),\(split),\(field.name),\(lo)")
                        lines.append("ci95_high,,\(algorithm),\(split),\(field.name),\(hi)")
                    }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Creates `directory` if needed and checks that it takes files: call it before a long run, so that a
    /// bad output path fails before any training.
    public static func prepare(directory: String) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw HumorGymError("cannot create output directory '\(directory)': \(error.localizedDescription)")
        }
        guard fm.isWritableFile(atPath: directory) else {
            throw HumorGymError("output directory '\(directory)' is not writable")
        }
    }

    /// Writes both files into `directory`, creating it; each file goes to a temporary name first and is
    /// then moved into place, so a reader never sees half a file.
    public static func write(_ result: ComparisonReport, to directory: String) throws {
        try prepare(directory: directory)
        for (name, data) in [("results.json", try json(result)), ("results.csv", Data(csv(result).utf8))] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw HumorGymError("cannot write \(url.path): \(error.localizedDescription)")
            }
        }
    }
}
