import Charts
import Foundation
import HumorGym

/// Writes a comparison's files: `results.json` (every run and the aggregate) and `results.csv` (long format:
/// one value per row), and any other results file (a results folder's, reproduce's, the CLI's JSON lines), as
/// JSON with sorted keys, so that the same run writes the same bytes.
public enum ResultsWriter {
    /// The encoder of every results file: sorted keys, non-finite numbers as the strings ``decoder()`` reads;
    /// `pretty` for a file people open, compact for one value a line.
    public static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func json(_ value: some Encodable) throws -> Data { try encoder(pretty: true).encode(value) }

    /// `values` as JSON lines: one compact object a line.
    public static func jsonLines(_ values: [some Encodable]) throws -> Data {
        let encoder = encoder(pretty: false)
        var data = Data()
        for value in values {
            data.append(try encoder.encode(value))
            data.append(0x0A)
        }
        return data
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    public static func csv(_ result: ComparisonReport) -> String {
        var lines = ["kind,seed,algorithm,split,metric,value"]
        for run in result.runs {
            for split in Split.evaluated.map(\.rawValue) {
                guard let metrics = run.metrics[split] else { continue }
                for field in SplitMetrics.fields {
                    guard let value = field.value(metrics) else { continue }
                    lines.append("run,\(run.seed),\(CSV.field(run.algorithm)),\(split),\(field.name),\(value)")
                }
            }
        }
        for algorithm in result.algorithms {
            for split in Split.evaluated.map(\.rawValue) {
                for field in SplitMetrics.fields {
                    guard let s = result.aggregate[algorithm]?[split]?[field.name] else { continue }
                    lines.append("mean,,\(CSV.field(algorithm)),\(split),\(field.name),\(s.mean)")
                    if let lo = s.lower, let hi = s.upper {
                        lines.append("ci95_low,,\(CSV.field(algorithm)),\(split),\(field.name),\(lo)")
                        lines.append("ci95_high,,\(CSV.field(algorithm)),\(split),\(field.name),\(hi)")
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

    /// Writes `data` as `name` in `directory`: to a temporary name first, then moved into place, so a reader
    /// never sees half a file.
    public static func write(_ data: Data, named name: String, in directory: String) throws {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw HumorGymError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
