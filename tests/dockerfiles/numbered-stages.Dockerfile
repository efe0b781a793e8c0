FROM golang:1.21 
WORKDIR /go/src/app
COPY main.go .
RUN go build -o /bin/hello ./main.go

FROM alpine:3.19
RUN apk --no-cache add ca-certificates
COPY --from=0 /bin/hello /usr/local/bin/hello
CMD ["hello"]
