FROM busybox:1.36
RUN echo one \
    two \

    three

RUN echo "a \\ b" && \
  # a comment in the middle
  echo c
ENV A=1 \
    B="two words" \
    C=3\ 4
LABEL multi.line="first \
second"
   WORKDIR   /tmp   
   run echo lower-case keyword
Cmd ["sh"]
