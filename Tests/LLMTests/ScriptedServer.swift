import Chat
import Foundation
import LLM
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real OpenAI-compatible HTTP server on 127.0.0.1 (an ephemeral port), answering as its script says:
/// verdicts, log-probabilities, slow answers, no answer at all, 429 with Retry-After, 5xx, malformed JSON, truncated bodies,
/// empty choices and reset connections. It records every request it received.
final class ScriptedServer: Sendable {
    indirect enum Reply: Sendable {
        case json(status: Int, body: String, headers: [String: String])
        /// The reply after a pause.
        case slow(seconds: Double, Reply)
        /// Close the connection without a word.
        case reset
        /// Keep the connection open and never answer.
        case hang
        /// Promise more bytes than are sent, then close.
        case truncated(String)

        /// A chat completion whose message is `text`. With `alternatives`, its tokens are two: the text up to
        /// its last token, which is the first alternative (" 2" for "... Answer: 2"), and that last token,
        /// whose top_logprobs are the alternatives.
        static func answer(_ text: String, alternatives: [(String, Double)] = []) -> Reply {
            var choice: [String: Any] = ["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": text]]
            if let (last, logprob) = alternatives.first {
                precondition(text.hasSuffix(last), "the answer must end with its first alternative")
                let top = alternatives.map { ["token": $0.0, "logprob": $0.1] }
                choice["logprobs"] = ["content": [
                    ["token": String(text.dropLast(last.count)), "logprob": -0.1, "top_logprobs": []],
                    ["token": last, "logprob": logprob, "top_logprobs": top],
                ]]
            }
            let data = try! JSONSerialization.data(withJSONObject: ["id": "x", "object": "chat.completion", "choices": [choice]], options: [.sortedKeys])
            return .json(status: 200, body: String(decoding: data, as: UTF8.self), headers: [:])
        }

        /// A chat completion whose message is the `tokens` joined, each with its top alternatives, and the
        /// server's token counts when given.
        static func tokens(_ tokens: [(String, [(String, Double)])], usage: (prompt: Int, completion: Int)? = nil) -> Reply {
            let content = tokens.map { token, alternatives in
                ["token": token, "logprob": alternatives.first?.1 ?? -0.1, "top_logprobs": alternatives.map { ["token": $0.0, "logprob": $0.1] }] as [String: Any]
            }
            let choice: [String: Any] = ["index": 0, "finish_reason": "stop", "logprobs": ["content": content],
                                         "message": ["role": "assistant", "content": tokens.map(\.0).joined()]]
            var body: [String: Any] = ["id": "x", "object": "chat.completion", "choices": [choice]]
            if let usage { body["usage"] = ["prompt_tokens": usage.prompt, "completion_tokens": usage.completion, "total_tokens": usage.prompt + usage.completion] }
            let data = try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            return .json(status: 200, body: String(decoding: data, as: UTF8.self), headers: [:])
        }

        static func status(_ code: Int, headers: [String: String] = [:]) -> Reply {
            .json(status: code, body: #"{"error":{"message":"scripted \#(code)"}}"#, headers: headers)
        }
    }

    struct Received: Sendable {
        let body: String
        let authorization: String?
        var request: ChatRequest? { try? JSONDecoder().decode(ChatRequest.self, from: Data(body.utf8)) }
    }

    /// What the connections' handlers share.
    final class State: Sendable {
        let log = Mutex<[Received]>([])
        let inFlight = Mutex((now: 0, most: 0))
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel
    private let state = State()

    var baseURL: String { "http://127.0.0.1:\(channel.localAddress!.port!)/v1" }
    var received: [Received] { state.log.withLock { $0 } }
    /// The most requests it was answering at once.
    var mostInFlight: Int { state.inFlight.withLock { $0.most } }

    /// `script(n, body)` answers the n-th request (from 0).
    init(_ script: @escaping @Sendable (Int, String) -> Reply) throws {
        let state = self.state
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let script: @Sendable (Int, String) -> Reply
        let state: State
        var body = ""
        var authorization: String?

        init(script: @escaping @Sendable (Int, String) -> Reply, state: State) {
            self.script = script
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                body = ""
                authorization = head.headers.first(name: "Authorization")
            case .body(var buffer):
                body += buffer.readString(length: buffer.readableBytes) ?? ""
            case .end:
                let index = state.log.withLock { log in
                    log.append(Received(body: body, authorization: authorization))
                    return log.count - 1
                }
                state.inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                respond(script(index, body), context: context)
            }
        }

        private func respond(_ reply: Reply, context: ChannelHandlerContext) {
            switch reply {
            case .slow(let seconds, let then):
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                    bound.value.0.respond(then, context: bound.value.1)
                }
            case .reset:
                finished()
                context.close(promise: nil)
            case .hang:
                finished()
            case .truncated(let text):
                finished()
                var head = HTTPResponseHead(version: .http1_1, status: .ok)
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Length", value: "\(text.utf8.count + 500)")
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.close(promise: nil)
            case .json(let status, let text, let headers):
                finished()
                var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Length", value: "\(text.utf8.count)")
                for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head.headers.add(name: name, value: value) }
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        private func finished() { state.inFlight.withLock { $0.now -= 1 } }
    }
}
