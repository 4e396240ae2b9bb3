import CRIRuntime
import Testing

@Suite struct GRPCFrameTests {
    @Test func framesWithAFlagAndABigEndianLength() {
        #expect(GRPCFrame.frame([]) == [0, 0, 0, 0, 0])
        #expect(Array(GRPCFrame.frame(Array(repeating: 7, count: 0x0102)).prefix(5)) == [0, 0, 0, 1, 2])
        #expect(GRPCFrame.frame([9, 8]) == [0, 0, 0, 0, 2, 9, 8])
    }

    @Test(arguments: [[UInt8](), [1], Array(repeating: 0xAB, count: 70_000)])
    func unframesWhatItFrames(_ message: [UInt8]) throws {
        #expect(try GRPCFrame.unframe(GRPCFrame.frame(message)) == message)
    }

    @Test func refusesShortCompressedOverlongAndTrailingAnswers() {
        #expect(throws: GRPCFrame.FrameError.self) { try GRPCFrame.unframe([0, 0, 0]) }
        #expect(throws: GRPCFrame.FrameError.self) { try GRPCFrame.unframe([1, 0, 0, 0, 1, 5]) }
        #expect(throws: GRPCFrame.FrameError.self) { try GRPCFrame.unframe([0, 0, 0, 0, 3, 1, 2]) }
        #expect(throws: GRPCFrame.FrameError.self) { try GRPCFrame.unframe([0, 0, 0, 0, 1, 1, 2]) }
        #expect(throws: GRPCFrame.FrameError.self) { try GRPCFrame.unframe([0, 0x7f, 0xff, 0xff, 0xff]) }
    }
}

@Suite struct GRPCStatusTests {
    @Test func readsTheStatusFromTheTrailers() {
        let status = GRPCStatus.from(httpStatus: 200, headers: ["content-type": "application/grpc", "grpc-status": "0"])
        #expect(status == GRPCStatus(code: .ok))
    }

    @Test func decodesAPercentEncodedMessage() {
        let status = GRPCStatus.from(
            httpStatus: 200,
            headers: ["grpc-status": "5", "grpc-message": "an error occurred when try to find container \"abc\": not found%20%E2%9C%93"])
        #expect(status.code == .notFound)
        #expect(status.message == "an error occurred when try to find container \"abc\": not found ✓")
    }

    @Test func keepsAMalformedEscape() {
        #expect(GRPCStatus.percentDecoded("100%zz%4 a%20b") == "100%zz%4 a%20b")
    }

    @Test(arguments: [
        (503, GRPCStatusCode.unavailable), (404, .unimplemented), (200, .unknown), (403, .permissionDenied),
    ])
    func mapsAnHTTPStatusWhenNoGRPCStatusCame(_ http: Int, _ code: GRPCStatusCode) {
        #expect(GRPCStatus.from(httpStatus: http, headers: [:]).code == code)
    }

    @Test func anUnknownOrNonNumericCodeIsUnknown() {
        #expect(GRPCStatus.from(httpStatus: 200, headers: ["grpc-status": "99"]).code == .unknown)
        #expect(GRPCStatus.from(httpStatus: 200, headers: ["grpc-status": "five"]).code == .unknown)
    }

    @Test func namesCodesAsGRPCDoes() {
        #expect(GRPCStatusCode.internalError.description == "INTERNAL")
        #expect(GRPCStatusCode(rawValue: 14) == .unavailable)
        #expect(GRPCStatusCode(rawValue: 16) == .unauthenticated)
    }
}
