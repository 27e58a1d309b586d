import ArgumentParser
import Inference

struct LLMInfo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print a GGUF file's metadata and tensors.")

    @Argument(help: "Path of the GGUF model file.")
    var model: String

    @Flag(help: "List every tensor.")
    var tensors = false

    func run() throws {
        let file = try GGUFFile(path: model)
        print("GGUF v\(file.version), \(file.metadata.count) metadata keys, \(file.tensors.count) tensors, alignment \(file.alignment), data at offset \(file.dataOffset)")
        for key in file.metadataKeys {
            print("  \(key) = \(file.metadata[key]!.summary)")
        }
        var byType: [String: (count: Int, bytes: Int)] = [:]
        for t in file.tensors {
            byType[t.type.name, default: (0, 0)].count += 1
            byType[t.type.name, default: (0, 0)].bytes += t.byteCount
        }
        print("tensor types:")
        for (name, v) in byType.sorted(by: { $0.key < $1.key }) {
            print("  \(name): \(v.count) tensors, \(v.bytes) bytes")
        }
        if tensors {
            for t in file.tensors { print("  \(t.name) \(t.dims) \(t.type.name) @\(t.offset)") }
        }
        if let config = try? ModelConfig(gguf: file) {
            print("model: \(config.layerCount) layers, dim \(config.dim), ffn \(config.ffnDim), heads \(config.headCount)/\(config.kvHeadCount) (head dim \(config.headDim)), vocab \(config.vocabSize), context \(config.contextLength), rope base \(config.ropeBase), eps \(config.rmsEps)")
        }
    }
}

struct LLMTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Print the token ids of TEXT as a JSON array.")

    @Argument(help: "Path of the GGUF model file.")
    var model: String

    @Argument(help: "Text to tokenize (special tokens such as <|im_start|> are parsed).")
    var text: String

    @Flag(help: "Do not parse special tokens.")
    var noSpecial = false

    func run() throws {
        let file = try GGUFFile(path: model)
        let tokenizer = try Tokenizer(gguf: file)
        print(jsonString(tokenizer.encode(text, parseSpecial: !noSpecial)))
    }
}
