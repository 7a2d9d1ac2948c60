echo "greet: args=$# $1|$2 greeting=$GREETING input=$INPUT_WHO event=$(test -s "$GITHUB_EVENT_PATH" && echo "$GITHUB_EVENT_NAME")"
echo "said=$GREETING" >> "$GITHUB_OUTPUT"
